"""Plain text, read in blocks and cut into segments at line boundaries.

``row`` in a plain-text location is the line the segment starts on. A text file's segments
also carry where their first character is in the file (`TextAt`: line, column, offset), so
each finding can say where it is in the file, not only in its segment.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from dlp.extract.charset import guess_codec
from dlp.extract.context import Context, Item
from dlp.extract.source import Source
from dlp.model import Location, Segment, TextAt

_SAMPLE = 64 * 1024


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        sample = raw.read(_SAMPLE)
        raw.seek(0)
        codec = guess_codec(sample)
        reader = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline=None)
        blocks = iter(lambda: reader.read(ctx.limits.segment_chars), "")
        yield from segments(blocks, location, ctx, TextAt())
        reader.detach()


def segments(
    blocks: Iterable[str], location: Location, ctx: Context, at: TextAt | None = None
) -> Iterator[Segment]:
    """Re-cut blocks of text at line ends so a segment never splits a line (unless the line
    alone is longer than a segment). ``at``: where the first block starts in its file, for
    text that is the file itself (not text derived from it, whose lines are not the file's)."""
    line = 1
    carry = ""
    for block in blocks:
        ctx.check_time()
        text = carry + block
        cut = text.rfind("\n")
        if cut < 0 and len(text) < ctx.limits.segment_chars:
            carry = text
            continue
        if cut < 0:
            cut = len(text) - 1
        chunk, carry = text[: cut + 1], text[cut + 1 :]
        if chunk.strip():
            yield Segment(chunk, location.with_detail(row=line, text_at=at))
        line += chunk.count("\n")
        if at is not None:
            at = at.advance(chunk, 0, len(chunk))
    if carry.strip():
        yield Segment(carry, location.with_detail(row=line, text_at=at))


def text_segments(text: str, location: Location, ctx: Context) -> Iterator[Segment]:
    """Segments for text already in memory (a decoded mail body, an RTF document)."""
    size = ctx.limits.segment_chars
    if len(text) <= size:
        if text.strip():
            yield Segment(text, location)
        return
    blocks = (text[i : i + size] for i in range(0, len(text), size))
    yield from segments(blocks, location, ctx)
