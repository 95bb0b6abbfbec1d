"""Packing many small segments into one text, so that per-scan costs are paid once per block.

Scanning each spreadsheet cell or short piece alone would pay the fixed cost of a scan (two
passes over the text, the context index) per piece. Consecutive small segments from the same
file are joined into one text, separated by a run of line breaks longer than any pattern or
dictionary term can span, with a cell per piece so that findings still name their own cell
and header.

Tables (CSV files, sheets) arrive already packed by their readers (``dlp.extract.celltable``):
a packed segment counts as the per-cell segments it stands for, so the blocks are the same
whichever way the cells arrive. A reader's block that is a whole block here too (the usual
case: the readers cut by the same rule) passes through as it is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, repeat
from operator import add, itemgetter

from dlp.extract.celltable import (
    BLOCK,
    GAP,
    SEPARATOR,
    SMALL,
    CellLocations,
    ChainedLocations,
    TextCells,
    cell,
    cell_lengths,
    long_cells,
)
from dlp.model import FILE_NAME_PART, CellTable, Location, Segment, Unscannable

__all__ = ["BLOCK", "SEPARATOR", "SMALL", "Run", "cut_runs", "join_runs", "pack"]

_FEW = 64  # cells: fewer are shifted one by one

# A run of one block: a plain segment (lo = hi = -1) or cells lo..hi-1 of a packed one.
Run = tuple[Segment, int, int]


def pack(
    items: Iterable[Segment | Unscannable], small: int = SMALL, block: int = BLOCK
) -> Iterator[Segment | Unscannable]:
    pending = _Pending(small, block)
    for item in items:
        if isinstance(item, Segment):
            if item.cells is not None:
                yield from pending.add_table(item)
                continue
            if len(item.text) <= small:
                yield from pending.add(item)
                continue
        yield from pending.flush()
        yield item
    yield from pending.flush()


class _Pending:
    """The block being gathered: a segment joins while the block's size, a separator counted
    after each piece, stays within ``block`` and it comes from the same file."""

    def __init__(self, small: int, block: int) -> None:
        self.small = small
        self.block = block
        self.runs: list[Run] = []
        self.size = 0
        self.path: tuple[str, ...] = ()

    def add(self, segment: Segment) -> Iterator[Segment]:
        path = segment.location.path
        if self.runs and (path != self.path or self.size + len(segment.text) > self.block):
            yield from self.flush()
        self.runs.append((segment, -1, -1))
        self.size += len(segment.text) + GAP
        self.path = path

    def add_table(self, segment: Segment) -> Iterator[Segment]:
        """A packed segment's cells, one by one as far as the rule goes (one table's cells all
        come from one file)."""
        cells = segment.cells
        assert cells is not None
        count = len(cells)
        if not count:
            return
        path = segment.location.path
        text = segment.text
        if self.runs and (
            path != self.path
            or self.size + cells.ends[0] - cells.starts[0] > self.block
            or (self.size + len(text) > self.block and self._names_only())
        ):
            # What the cell-by-cell loop below would do first: the table starts a new block
            # (and so a table's own blocks, cut by the same rule, pass through as they are).
            # So does a table that would not fit whole behind its file's name: joined, the
            # name would shift every cut of a workbook's megabyte of cells, each block then
            # cut and joined again (its findings are the name's own, whatever it is with).
            yield from self.flush()
        if (
            not self.runs
            and len(text) <= self.block
            and (
                len(text) <= self.small
                or (cells.longest if cells.longest >= 0 else max(cell_lengths(segment)))
                <= self.small
            )
        ):
            self.runs.append((segment, 0, count))
            self.size = len(text) + GAP
            self.path = path
            return
        lengths = cell_lengths(segment)
        totals = list(accumulate(map(add, lengths, repeat(GAP))))
        bigs = long_cells(lengths, self.small)
        index = big = 0
        while index < count:
            if index == bigs[big]:
                yield from self.flush()
                yield cell(segment, index)
                index += 1
                big += 1
                continue
            if self.runs and (path != self.path or self.size + lengths[index] > self.block):
                yield from self.flush()
            before = totals[index - 1] if index else 0
            # Cell k > index does not fit once totals[k] - GAP - before + size > block.
            limit = self.block + GAP + before - self.size
            stop = bisect_right(totals, limit, index + 1, bigs[big])
            self.runs.append((segment, index, stop))
            self.size += totals[stop - 1] - before
            self.path = path
            index = stop

    def _names_only(self) -> bool:
        """Whether the block holds only file names (an attachment's, before its content)."""
        return all(
            lo < 0 and segment.location.part == FILE_NAME_PART for segment, lo, _ in self.runs
        )

    def flush(self) -> Iterator[Segment]:
        runs = self.runs
        if not runs:
            return
        self.runs, self.size = [], 0
        if len(runs) == 1:
            segment, lo, hi = runs[0]
            cells = segment.cells
            if lo < 0 or cells is None:
                yield segment
                return
            if hi - lo == 1:
                # A lone cell of a table stays a (one-cell) table while its table's header
                # row can tell what its header means ("ID" in a gradebook).
                if not cells.lone_cell_keeps_its_table(lo):
                    yield cell(segment, lo)
                elif len(cells) == 1:
                    yield segment
                else:
                    yield _joined(runs)
                return
            if (lo, hi) == (0, len(cells)):
                yield segment
                return
        yield _joined(runs)


def join_runs(
    runs: Sequence[Run], separator: str = SEPARATOR
) -> tuple[str, list[int], list[int], list[str]]:
    """The runs' texts as one, joined by ``separator``, with each piece's span and context (a
    plain segment is one piece, a run of cells one piece per cell): a run of cells is cut from
    its packed text as it is, since its own separators are line breaks too."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    headers: list[str] = []
    position = 0
    gap = len(separator)
    for segment, lo, hi in runs:
        cells = segment.cells
        if lo < 0 or cells is None:
            parts.append(segment.text)
            starts.append(position)
            ends.append(position + len(segment.text))
            headers.append(segment.context)
        else:
            first, last = cells.starts[lo], cells.ends[hi - 1]
            parts.append(segment.text[first:last])
            shift = position - first
            if not shift:
                starts.extend(cells.starts[lo:hi])
                ends.extend(cells.ends[lo:hi])
            elif hi - lo > _FEW:
                # A table's early pieces joined back into one block: a run of thousands of
                # cells, shifted in numpy rather than by an int.__add__ call per offset.
                # Imported here: a scan of mail or plain text never gets here, and numpy
                # lifts a process's resident memory by some 17 MiB.
                import numpy as np

                starts.extend(np.add(cells.starts[lo:hi], shift, dtype=np.int64).tolist())
                ends.extend(np.add(cells.ends[lo:hi], shift, dtype=np.int64).tolist())
            else:
                starts.extend(map(shift.__add__, cells.starts[lo:hi]))
                ends.extend(map(shift.__add__, cells.ends[lo:hi]))
            headers.extend(cells.headers[lo:hi] if cells.headers else repeat("", hi - lo))
        position = ends[-1] + gap
    return separator.join(parts), starts, ends, headers


def cut_runs(runs: Sequence[Run]) -> tuple[list[str], list[str]]:
    """The runs' pieces apart, as ``join_runs`` would join them, and each one's context."""
    texts: list[str] = []
    headers: list[str] = []
    for segment, lo, hi in runs:
        cells = segment.cells
        if lo < 0 or cells is None:
            texts.append(segment.text)
            headers.append(segment.context)
        elif type(cells) is TextCells:
            texts += cells.texts[lo:hi]
            headers += cells.headers[lo:hi] if cells.headers else repeat("", hi - lo)
        else:
            text = segment.text
            texts += map(text.__getitem__, map(slice, cells.starts[lo:hi], cells.ends[lo:hi]))
            headers += cells.headers[lo:hi] if cells.headers else repeat("", hi - lo)
    return texts, headers


def _locations(segment: Segment, lo: int, hi: int) -> Sequence[Location]:
    cells = segment.cells
    if lo < 0 or cells is None:
        return (segment.location,)
    if cells.locations:
        return cells.locations[lo:hi]
    return [cells.location(i) for i in range(lo, hi)]


def _joined(runs: list[Run]) -> Segment:
    text, starts, ends, headers = join_runs(runs)
    locations = [_locations(segment, lo, hi) for segment, lo, hi in runs]
    chained: Sequence[Location] = (
        locations[0]
        if len(locations) == 1 and isinstance(locations[0], CellLocations)
        else ChainedLocations(locations)
    )
    first_location = chained[0]
    table = CellTable(
        base=first_location,
        starts=starts,
        ends=ends,
        headers=headers,
        locations=chained,
        header_rows=_header_rows(runs, headers),
    )
    return Segment(text, first_location, "", table)


def _header_rows(runs: Sequence[Run], headers: Sequence[str]) -> list[tuple[int, str]]:
    """Each run's cells keep their own table's header row (a table joined with another
    small one is not the other's kind); a plain segment has no table of its own, and gets
    the block's distinct headers as before. Only plain segments: none (the same)."""
    if all(lo < 0 or segment.cells is None for segment, lo, _ in runs):
        return []
    rows: list[tuple[int, str]] = []
    block_row: str | None = None
    at = 0
    for segment, lo, hi in runs:
        cells = segment.cells
        if lo < 0 or cells is None:
            if block_row is None:
                block_row = "\t".join(dict.fromkeys(headers))
            rows.append((at, block_row))
            at += 1
            continue
        own = cells.header_rows or ((0, cells.table_header_row()),)
        # The row in force at cell lo, then those of the tables starting before hi.
        first = max(bisect_right(own, lo, key=itemgetter(0)) - 1, 0)
        for start, row in own[first:]:
            if start >= hi:
                break
            rows.append((at + max(start - lo, 0), row))
        at += hi - lo
    return rows
