"""JSON: one segment per string or number, with its key as context and its JSON path as the
column (``students[3].ssn``). Very large or invalid JSON is read as plain text instead, so its
text is still scanned."""

from __future__ import annotations

import json
from collections.abc import Iterator

from dlp.extract import plaintext
from dlp.extract.charset import decode
from dlp.extract.context import Context, Item
from dlp.extract.source import Source
from dlp.model import Location, Segment

# json.loads holds the whole tree in memory (several times the text): bigger goes as text.
_MAX_PARSED_BYTES = 16 * 1024 * 1024


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    if source.size > _MAX_PARSED_BYTES:
        yield from plaintext.extract(source, location, ctx)
        return
    text = decode(source.read_all())
    try:
        documents: list[object] | None = [json.loads(text)]
    except (ValueError, RecursionError):
        documents = _json_lines(text)
    if documents is None:
        yield from plaintext.text_segments(text, location, ctx)
        return
    for number, document in enumerate(documents, start=1):
        root = f"[{number - 1}]" if len(documents) > 1 else ""
        yield from _leaves(document, root, "", location, ctx)


def _json_lines(text: str) -> list[object] | None:
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return [json.loads(line) for line in lines] if len(lines) > 1 else None
    except (ValueError, RecursionError):
        return None


def _leaves(
    value: object, path: str, key: str, location: Location, ctx: Context
) -> Iterator[Segment]:
    stack: list[tuple[object, str, str]] = [(value, path, key)]
    count = 0
    while stack:
        value, path, key = stack.pop()
        if isinstance(value, dict):
            stack.extend(
                (child, f"{path}.{name}" if path else str(name), str(name))
                for name, child in reversed(list(value.items()))
            )
        elif isinstance(value, list):
            stack.extend(
                (child, f"{path}[{i}]", key) for i, child in reversed(list(enumerate(value)))
            )
        elif isinstance(value, bool) or value is None:
            continue
        else:
            text = str(value)
            if text.strip():
                count += 1
                if count % 10_000 == 0:
                    ctx.check_time()
                yield Segment(text, location.with_detail(column=path or None), key)
