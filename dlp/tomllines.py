"""Finding the line of a key in a TOML file, since `tomllib` reports none once it has parsed.

Good enough for error messages: it follows table headers, arrays of tables and dotted keys,
and falls back to the nearest enclosing table when a key is written in a form it does not
follow (inline tables spread over lines, multi-line arrays holding the key).
"""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_PART = re.compile(r"""[A-Za-z0-9_-]+|"((?:[^"\\]|\\.)*)"|'([^']*)'""")


def _parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        if match.group(1) is not None:
            parts.append(match.group(1))
        elif match.group(2) is not None:
            parts.append(match.group(2))
        else:
            parts.append(match.group())
    return tuple(parts)


def _multiline_strings_open(line: str, inside: str | None) -> str | None:
    """Which multi-line string delimiter is open after ``line`` (None when none is)."""
    position = 0
    while True:
        if inside is None:
            starts = [(line.find(d, position), d) for d in ('"""', "'''")]
            starts = [(index, d) for index, d in starts if index >= 0]
            if not starts:
                return None
            index, inside = min(starts)
            position = index + 3
        else:
            end = line.find(inside, position)
            if end < 0:
                return inside
            position = end + 3
            inside = None


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every table and key path in ``text`` with the first line it appears on (1-based)."""
    lines: dict[KeyPath, int] = {}
    arrays: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    inside: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if inside is not None:
            inside = _multiline_strings_open(line, inside)
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _parts(header.group(2))
            path: list[str | int] = []
            # Resolve earlier arrays of tables along the way: [[rules]] then [rules.x]
            for depth in range(1, len(names) + 1):
                path.append(names[depth - 1])
                prefix = names[:depth]
                if prefix in arrays and not (depth == len(names) and header.group(1) == "[["):
                    path.append(arrays[prefix])
            if header.group(1) == "[[":
                index = arrays.get(names, -1) + 1
                arrays[names] = index
                path.append(index)
            table = tuple(path)
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
            inside = _multiline_strings_open(line[key.end() :], None)
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of ``path``, else of its nearest enclosing table or key, else 1."""
    for length in range(len(path), 0, -1):
        number = lines.get(path[:length])
        if number is not None:
            return number
    return 1


def dotted(path: KeyPath) -> str:
    """``("rules", 2, "when")`` -> ``rules[2].when``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + (
                part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            )
    return text
