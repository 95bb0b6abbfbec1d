"""The categories of protected information, as the files in ``recognizers/`` declare them.

A keyword dictionary declares its own category in comment lines at its top, so that a new
keyword category is one file (``keywords/transport.txt`` is the category TRANSPORT)::

    # label: school transportation term (bus route, pick-up stop)
    # kind: student record
    # clauses: L.3.a

Categories that no dictionary holds terms for (IDENTIFIER, CONTACT, ROSTER...) are declared in
``categories.toml``, one table per category with the same keys. ``label`` is what a teacher
reads in a notice; ``kind`` says whose information it is or what sort (one of `KINDS`);
``clauses`` are the regulation clauses it falls under (AR 7203 L.3.a: student records, L.3.b:
personnel records; none for a card number).

An overlay folder (``[detection] overlay``) is read after the shipped one: its declarations
change the fields they give, and a dictionary there with no header adds terms to the category
it is named after. Entity files (``entities/*.toml``) name one of these categories.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dlp.model import Category

CATEGORIES_FILE = "categories.toml"
FIELDS = ("label", "kind", "clauses")
KINDS = (
    "student record",
    "personnel record",
    "student or personnel record",
    "identifier",
    "contact",
    "personal",
    "financial",
    "credential",
    "roster match",
)
NAME = re.compile(r"[A-Z][A-Z0-9_]*$")
_HEADER_FIELD = re.compile(r"#\s*(label|kind|clauses)\s*:(.*)$")


class CategoryError(ValueError):
    """A category that cannot be used; the message starts with ``FILE:LINE:``."""


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """One category and what it means."""

    name: Category
    label: str
    kind: str
    clauses: tuple[str, ...]
    source: str  # FILE:LINE of its first declaration


def header_fields(path: Path, lines: Sequence[str]) -> dict[str, tuple[str, int]]:
    """The ``# key: value`` fields in the comment lines at the top of a dictionary, with their
    line numbers; other comment lines are free text."""
    fields: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        found = _HEADER_FIELD.match(stripped)
        if found:
            fields[found.group(1)] = (found.group(2).strip(), number)
    return fields


class _Declarations:
    """Declarations merged field by field, in the order they are read (overlay last)."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, object]] = {}
        self.sources: dict[str, str] = {}

    def declare(self, name: str, where: str, fields: Mapping[str, tuple[object, int]]) -> None:
        file = where.rpartition(":")[0] or where
        if not NAME.match(name):
            raise CategoryError(
                f"{where}: {name!r} is not a category name (capital letters, digits and _)"
            )
        for key, (value, line) in fields.items():
            if key not in FIELDS:
                raise CategoryError(
                    f"{file}:{line}: {name}: unknown key {key!r} (keys: label, kind, clauses)"
                )
            problem = _problem(key, value)
            if problem:
                raise CategoryError(f"{file}:{line}: {name}: {key}: {problem}")
        self.sources.setdefault(name, where)
        self.fields.setdefault(name, {}).update({key: value for key, (value, _) in fields.items()})

    def finish(self) -> dict[str, CategoryInfo]:
        found = {}
        for name, fields in self.fields.items():
            missing = [key for key in ("label", "kind") if key not in fields]
            if missing:
                raise CategoryError(
                    f"{self.sources[name]}: category {name} is not declared: give its "
                    + " and ".join(f"'{key}'" for key in missing)
                    + " (a dictionary in a '# label: ...' header line, else in categories.toml)"
                )
            clauses = fields.get("clauses", ())
            found[name] = CategoryInfo(
                name=Category(name),
                label=str(fields["label"]),
                kind=str(fields["kind"]),
                clauses=tuple(clauses) if isinstance(clauses, list | tuple) else (),
                source=self.sources[name],
            )
        return found


def _problem(key: str, value: object) -> str | None:
    if key == "clauses":
        ok = isinstance(value, list | tuple) and all(isinstance(c, str) and c for c in value)
        return None if ok else "must be a list of clauses, like L.3.a"
    if not isinstance(value, str) or not value.strip():
        return "must be some text"
    if key == "kind" and value not in KINDS:
        return f"unknown kind {value!r} (one of {', '.join(KINDS)})"
    return None


def dictionary_category(path: Path) -> str:
    """The category a dictionary file is named after: ``special_education.txt`` is
    SPECIAL_EDUCATION."""
    return path.stem.upper()


def dictionary_header(path: Path, lines: Sequence[str]) -> dict[str, tuple[object, int]]:
    """A dictionary header's fields as declarations take them (clauses split on commas)."""
    fields: dict[str, tuple[object, int]] = {}
    for key, (value, line) in header_fields(path, lines).items():
        if key == "clauses":
            fields[key] = ([c.strip() for c in value.split(",") if c.strip()], line)
        else:
            fields[key] = (value, line)
    return fields


def _table_line(lines: Sequence[str], name: str, key: str | None = None) -> int:
    """The line of ``[name]`` (or of ``key`` inside it): where an error points."""
    header = re.compile(rf"\s*\[\s*\"?{re.escape(name)}\"?\s*\]")
    for number, line in enumerate(lines, start=1):
        if header.match(line):
            if key is None:
                return number
            for offset, inner in enumerate(lines[number:], start=number + 1):
                if inner.lstrip().startswith("["):
                    break
                if re.match(rf"\s*{re.escape(key)}\s*=", inner):
                    return offset
            return number
    return 1


def _read_categories_file(path: Path, declarations: _Declarations) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise CategoryError(f"{path}:{found.group(1) if found else 1}: {error}") from None
    for name, table in data.items():
        line = _table_line(lines, name)
        if not isinstance(table, dict):
            raise CategoryError(f"{path}:{line}: {name} must be a table: [{name}]")
        declarations.declare(
            name,
            f"{path}:{line}",
            {key: (value, _table_line(lines, name, key)) for key, value in table.items()},
        )


def dictionary_files(folders: Iterable[Path]) -> dict[str, list[Path]]:
    """Each category's dictionary files, by file name, shipped before overlay."""
    files: dict[str, list[Path]] = {}
    for folder in folders:
        for path in sorted((folder / "keywords").glob("*.txt")):
            files.setdefault(path.name, []).append(path)
    return files


def load_categories(folders: Sequence[Path]) -> dict[str, CategoryInfo]:
    """Every category the folders declare (a recognizers folder, then an overlay), by name.

    The shipped declarations come first even when ``[detection] recognizers`` replaces the
    shipped folder: a district's copy made before categories were declared in files (its
    dictionaries without headers) keeps every category, and a category whose dictionary it
    left out stays a name its policy may use (as when categories were code).
    """
    from dlp.detect.shipped import default_recognizers_dir

    shipped = default_recognizers_dir()
    declarations = _Declarations()
    for folder in dict.fromkeys([shipped, *folders]):
        if (folder / CATEGORIES_FILE).is_file():
            _read_categories_file(folder / CATEGORIES_FILE, declarations)
        for path in sorted((folder / "keywords").glob("*.txt")):
            header = dictionary_header(path, path.read_text(encoding="utf-8").splitlines())
            declarations.declare(dictionary_category(path), f"{path}:1", header)
    return declarations.finish()


def recognizer_folders(folder: Path | None = None, overlay: Path | None = None) -> list[Path]:
    """The recognizer folders in the order they are read: ``folder`` (None: the shipped one),
    then the district's ``overlay``, whose files add to it and override it."""
    from dlp.detect.shipped import default_recognizers_dir

    if overlay is not None and not overlay.is_dir():
        raise CategoryError(f"{overlay}: recognizer overlay folder not found")
    return [folder or default_recognizers_dir(), *([overlay] if overlay else [])]


def keyword_categories(folder: Path | None = None, overlay: Path | None = None) -> tuple[str, ...]:
    """The categories with a dictionary in ``folder`` (None: the shipped one) or ``overlay``:
    those a district can add terms to in its settings."""
    from dlp.detect.shipped import default_recognizers_dir

    # Not recognizer_folders: a missing overlay is the scanner's error to report, not this.
    files = dictionary_files([folder or default_recognizers_dir(), *([overlay] if overlay else [])])
    return tuple(sorted({dictionary_category(Path(name)) for name in files}))


def shipped_categories() -> dict[str, CategoryInfo]:
    """The categories of the shipped recognizers alone."""
    return load_categories(recognizer_folders())
