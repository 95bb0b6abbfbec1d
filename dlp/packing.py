"""Packing many small segments into one text, so that per-scan costs are paid once per block.

A spreadsheet or CSV file yields one segment per cell (each with its own location and column
header). Scanning each alone would pay the fixed cost of a scan (two passes over the text, the
context index) per cell. Consecutive small segments from the same file are joined into one
text, separated by a run of line breaks longer than any pattern or dictionary term can span,
with a ``Cell`` per piece so that findings still name their own cell and header.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dlp.model import CellTable, Segment, Unscannable

SEPARATOR = "\n" * 6  # longer than MAX_SEPARATOR_RUN: no term or pattern crosses it
SMALL = 4096
BLOCK = 256 * 1024


def pack(
    items: Iterable[Segment | Unscannable], small: int = SMALL, block: int = BLOCK
) -> Iterator[Segment | Unscannable]:
    pending: list[Segment] = []
    size = 0
    for item in items:
        if isinstance(item, Segment) and len(item.text) <= small and not item.cells:
            if pending and (
                item.location.path != pending[0].location.path or size + len(item.text) > block
            ):
                yield _joined(pending)
                pending, size = [], 0
            pending.append(item)
            size += len(item.text) + len(SEPARATOR)
            continue
        if pending:
            yield _joined(pending)
            pending, size = [], 0
        yield item
    if pending:
        yield _joined(pending)


def _joined(segments: list[Segment]) -> Segment:
    if len(segments) == 1:
        return segments[0]
    starts, ends = [], []
    position = 0
    for segment in segments:
        end = position + len(segment.text)
        starts.append(position)
        ends.append(end)
        position = end + len(SEPARATOR)
    table = CellTable(
        base=segments[0].location,
        starts=starts,
        ends=ends,
        headers=[segment.context for segment in segments],
        locations=[segment.location for segment in segments],
    )
    text = SEPARATOR.join(segment.text for segment in segments)
    return Segment(text, segments[0].location, "", table)
