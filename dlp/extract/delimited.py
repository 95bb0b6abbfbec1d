"""CSV and TSV: every non-empty cell, located by row and column header, with the header as
context. The first non-empty row is the header row; ``row`` counts records from 1 (the header
row included), like a spreadsheet's row numbers. The cells come packed (``celltable``).

The rows come in batches, and a batch's cells go into the packer by whole lists (numpy for
the per-cell arithmetic): a Python step per cell was most of a CSV file's extraction. Text
with no quote character is cut by ``str.split`` (the ``csv`` module reads such text exactly
so: a line a record, a delimiter a cell), and so is text whose quotes only wrap whole cells
with no quote, delimiter or line end inside (checked in numpy, then the quotes dropped).
From any other quote on, ``csv.reader`` reads the rest of the file. Either way the cells,
rows and blocks are those of ``csv.reader`` over the whole file, a row at a time (held to it
by ``tests/extract/test_delimited_equivalence.py``).
"""

from __future__ import annotations

import codecs
import csv
import io
from array import array
from collections.abc import Iterator
from itertools import chain, compress, islice
from typing import IO, cast

import numpy as np

from dlp.extract.celltable import FIRST, GAP, NEVER_EARLY, TablePacker
from dlp.extract.charset import guess_codec
from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.sniff import Kind, sniff
from dlp.extract.source import Source
from dlp.model import Location, Segment, UnscannableReason

_SAMPLE = 64 * 1024
_DELIMITERS = ",;\t|"
# Bytes read at a time: small at first (a scan that stops at its finding limit, usually in a
# roster's first rows, has not read much for nothing), growing to _READ_MOST.
_READ_FIRST = 16 * 1024
_READ_MOST = 1024 * 1024
_ROWS_FIRST = 256  # rows taken from csv.reader at a time, growing likewise
_ROWS_MOST = 8192

# Rows: their cells in a row, how many cells each row has, each cell's length, and whether
# some cell may be blank (white space only: ``_blank_free``; False is sure, True may be).
Batch = tuple[list[str], np.ndarray, np.ndarray, bool]
# ASCII white space as ``str.isspace`` reads it: \t \n \v \f \r, \x1c-\x1f, space.
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        sample = raw.read(_SAMPLE)
        raw.seek(0)
        codec = guess_codec(sample)
        delimiter = _delimiter(sample.decode(codec, errors="replace"), source)
        yield from _rows(_batches(raw, codec, delimiter), location, ctx)


def _delimiter(sample: str, source: Source) -> str:
    if sniff(source.head(), source.name) is Kind.TSV:
        return "\t"
    first = sample.split("\n", 1)[0]
    return max(_DELIMITERS, key=first.count) if first else ","


def _cut(text: str) -> int:
    """Where the last complete line of ``text`` ends (0: none). A final "\\r" may be the
    first half of a "\\r\\n" still to come."""
    return max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1


def _batches(raw: IO[bytes], codec: str, delimiter: str) -> Iterator[Batch]:
    """The file's rows as ``csv.reader`` reads them (``newline=""``), a batch at a time. A
    ``csv.Error`` comes after the batch of the rows read before it."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    limit = csv.field_size_limit()
    size = _READ_FIRST
    pending = ""
    while True:
        data = raw.read(size)
        size = min(size * 4, _READ_MOST)
        text = pending + decoder.decode(data, final=not data)
        cut = _cut(text) if data else len(text)
        lines = text[:cut]
        if '"' in lines:
            unquoted = _unquoted(lines, delimiter)
            if unquoted is None:
                break  # the csv module from here on
            lines = unquoted
        pending = text[cut:]
        if not lines:
            if data:
                continue
            return
        batch = _split(lines, delimiter)
        if int(batch[2].max()) > limit:
            break  # over the csv module's limit for a field: it says so, at its row
        yield batch
        if not data:
            return
    yield from _read_csv(_pieces(text, data, decoder, raw), delimiter)


def _unquoted(lines: str, delimiter: str) -> str | None:
    """Complete lines whose quotes only wrap whole cells with no quote, delimiter or line end
    inside (what most exports write): the same lines without the quotes, cut the same by
    ``csv.reader``. Else None."""
    lines, codes = _line_feeds(lines)
    quotes = np.flatnonzero(codes == 34)
    if len(quotes) % 2:
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    ends = (codes == ord(delimiter)) | (codes == 10)
    bounds = np.flatnonzero(ends)
    # Each pair: opens a cell, closes it, and holds no delimiter or line end between.
    after = closes + 1
    if (
        not ends[opens[opens > 0] - 1].all()
        or not ends[after[after < len(codes)]].all()
        or not np.array_equal(np.searchsorted(bounds, opens), np.searchsorted(bounds, closes))
    ):
        return None
    return lines.replace('"', "")


def _line_feeds(lines: str) -> tuple[str, np.ndarray]:
    """``lines`` with every line end ("\r\n", "\r" or "\n") made "\n", and its code points.
    Where every "\r" is the first half of a "\r\n" (a file written on Windows), the "\r"s
    are dropped, found in numpy: a third of the cost of replacing each "\r\n"."""
    codes = _code_points(lines)
    if "\r" not in lines:
        return lines, codes
    after = (codes == 13).nonzero()[0] + 1
    if after[-1] < len(codes) and bool((codes[after] == 10).all()):
        if codes.dtype == np.uint8:
            # ASCII: dropped from the bytes, a third of the cost of ``str.replace``.
            data = codes.tobytes().replace(b"\r", b"")
            return data.decode("ascii"), np.frombuffer(data, dtype=np.uint8)
        lines = lines.replace("\r", "")
    else:
        lines = lines.replace("\r\n", "\n").replace("\r", "\n")
    return lines, _code_points(lines)


def _code_points(lines: str) -> np.ndarray:
    """One code unit a character: bytes for ASCII (the usual file), else UTF-32."""
    if lines.isascii():
        return np.frombuffer(lines.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(lines.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _split(lines: str, delimiter: str) -> Batch:
    """Complete lines with no quote character, cut as ``csv.reader`` cuts them: at every line
    end ("\r\n", "\r" or "\n") and delimiter. Where the cells end comes from numpy over the
    text's code points, not from a step per line."""
    lines, codes = _line_feeds(lines)
    if lines.endswith("\n"):
        lines = lines[:-1]
        codes = codes[:-1]
    # (array methods, not numpy's functions: these run a few times a batch, and the
    # functions' own Python layer cost as much as the work on a small file's arrays)
    ends = codes == ord(delimiter)
    ends |= codes == 10
    bounds = ends.nonzero()[0]
    count = len(bounds) + 1
    # Each cell's end (a bound, or the text's end) less its start (0, or one past a bound):
    # in place, since ``np.diff`` with ``prepend`` copied the array twice more.
    lengths = np.empty(count, dtype=np.int64)
    lengths[:-1] = bounds
    lengths[-1] = len(lines)
    lengths[1:] -= bounds + 1
    last = (codes[bounds] == 10).nonzero()[0]  # the cells that end a row (and the last)
    widths = np.empty(len(last) + 1, dtype=np.int64)  # each row's cells, told by its last
    widths[:-1] = last
    widths[-1] = count - 1
    widths[1:] -= last
    widths[0] += 1
    cells = (lines.replace("\n", delimiter) if len(last) else lines).split(delimiter)
    return cells, widths, lengths, _maybe_blank(codes, bounds)


def _maybe_blank(codes: np.ndarray, bounds: np.ndarray) -> bool:
    """Whether a cell may be white space only: one starts with white space or a character
    past ASCII (whose ``isspace`` is the csv reader's business). A cell that starts with
    anything else is not blank, so most files are told so in one numpy pass over the
    cells' first characters rather than a ``str.isspace`` call per cell."""
    if not len(codes):
        return False
    # (a cell after a bound at the very end is empty, which its length tells: the clamped
    # index reads the bound itself there, at worst a tab, which only sends it the slow way)
    first = int(codes[0])
    if first > 127 or _ASCII_SPACE[first]:
        return True
    firsts = codes[np.minimum(bounds + 1, len(codes) - 1)]
    if codes.dtype != np.uint8:
        if bool((firsts > 127).any()):
            return True
        firsts = firsts.astype(np.uint8)
    # ASCII white space is all at most 32: most files' cells all start above it, told by
    # one comparison, cheaper than a look-up of each first character.
    return bool((firsts <= 32).any()) and bool(_ASCII_SPACE[firsts].any())


def _pieces(
    text: str, data: bytes, decoder: codecs.IncrementalDecoder, raw: IO[bytes]
) -> Iterator[io.StringIO]:
    """``text`` and the rest of the file in pieces of whole lines; iterated, each piece gives
    its lines, ends kept, as ``open(newline="")`` gives them."""
    while True:
        cut = _cut(text) if data else len(text)
        yield io.StringIO(text[:cut], newline="")
        if not data:
            return
        data = raw.read(_READ_MOST)
        text = text[cut:] + decoder.decode(data, final=not data)


def _read_csv(pieces: Iterator[io.StringIO], delimiter: str) -> Iterator[Batch]:
    reader = csv.reader(chain.from_iterable(pieces), delimiter=delimiter)
    most = _ROWS_FIRST
    while True:
        batch: list[list[str]] = []
        try:
            batch.extend(islice(reader, most))
        except csv.Error:
            # (``extend`` keeps the rows read before the error)
            if batch:
                yield _of_rows(batch)
            raise
        if not batch:
            return
        yield _of_rows(batch)
        most = min(most * 4, _ROWS_MOST)


def _of_rows(rows: list[list[str]]) -> Batch:
    cells = list(chain.from_iterable(rows))
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    return cells, widths, np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)), True


class _Columns:
    """By column index: the context a cell gets (its header) and the column its location
    names (the header, or "column N" when the header is empty); grown for wider rows."""

    __slots__ = ("by_index", "names")

    def __init__(self, headers: list[str]) -> None:
        self.by_index = list(headers)
        self.names = [name or f"column {n}" for n, name in enumerate(headers, start=1)]

    def grow(self, width: int) -> None:
        if width > len(self.names):
            self.by_index.extend([""] * (width - len(self.by_index)))
            self.names.extend(f"column {index + 1}" for index in range(len(self.names), width))


def _rows(batches: Iterator[Batch], location: Location, ctx: Context) -> Iterator[Segment]:
    """The cells into a ``TablePacker``, a batch of rows at a time (see ``celltable``)."""
    table = TablePacker(
        Location(path=location.path),
        columns_apart=True,
        first=FIRST if ctx.limits.early_blocks else NEVER_EARLY,
    )
    # The row numbers as machine integers: filled from numpy in place (no int object made per
    # cell), and read back as ints, one per finding (``CellLocations``).
    table.rows = array("q")
    table.handed_whole = True  # (its lists are reached through ``table`` every time)
    columns: _Columns | None = None
    number = 0  # rows read
    try:
        for cells, widths, lengths, maybe_blank in batches:
            start = 0
            if columns is None:
                at = 0
                for start, width in enumerate(widths.tolist(), start=1):
                    row = cells[at : at + width]
                    at += width
                    if any(cell.strip() for cell in row):
                        headers = [cell.strip() for cell in row]
                        for cell, header in zip(row, headers, strict=True):
                            if header:
                                table.add(cell, "", header, row=number + start)
                        table.lengths.append(
                            np.array(
                                [len(c) for c, h in zip(row, headers, strict=True) if h],
                                dtype=np.int64,
                            )
                        )
                        columns = _Columns(headers)
                        table.header_pool = columns.by_index  # (grown in place)
                        break
                else:
                    number += len(widths)
                    continue
                cells, widths, lengths = cells[at:], widths[start:], lengths[at:]
            if len(widths):
                batch = (cells, widths, lengths, maybe_blank)
                yield from _add(table, columns, batch, number + start)
            number += start + len(widths)
            ctx.check_time()
    except csv.Error as error:
        yield from table.blocks(final=True)
        raise LimitExceeded(
            UnscannableReason.CORRUPT, f"malformed CSV at row {number + 1}: the rest was not read"
        ) from error
    except Exception:
        # What was read before a stop (a timeout) is scanned, as it was cell by cell.
        yield from table.blocks(final=True)
        raise
    yield from table.blocks(final=True)


def _add(table: TablePacker, columns: _Columns, batch: Batch, before: int) -> Iterator[Segment]:
    """Rows numbered from ``before + 1`` on into ``table``, handing its blocks over after the
    same rows as a row at a time would (the first row that leaves it ``full``)."""
    cells, widths, lengths, maybe_blank = batch
    rows = range(len(widths))
    widest = int(widths.max())
    columns.grow(widest)
    count = len(cells)
    ends = widths.cumsum()  # row i's cells: ends[i] - widths[i] .. ends[i]
    clean = (not count or bool(lengths.min() > 0)) and not (
        maybe_blank and any(map(str.isspace, cells))
    )
    keep: np.ndarray | None = None
    sizes = lengths + GAP
    if not clean:
        keep = np.fromiter(map(bool, map(str.strip, cells)), dtype=bool, count=count)
        sizes *= keep
    totals = np.zeros(count + 1, dtype=np.int64)
    sizes.cumsum(out=totals[1:])
    through = totals[ends]  # size of the rows' cells up to each row's end
    uniform = clean and int(widths.min()) == widest
    index: np.ndarray | None = None
    row_of: np.ndarray | None = None
    if not uniform:
        starts = ends - widths
        index = np.arange(count, dtype=np.int64) - starts.repeat(widths)
        row_of = np.arange(before + 1, before + 1 + len(rows), dtype=np.int64).repeat(widths)
    first = 0
    while first < len(rows):
        at = int(ends[first - 1]) if first else 0
        room = table.threshold - table.size + int(totals[at])
        last = max(int(through.searchsorted(room, "right")), first)
        if last >= len(rows):
            last = len(rows) - 1
        stop = int(ends[last])
        if uniform:
            run = last - first + 1
            whole = not at and stop == count  # (the batch's lists as they are: no copy)
            table.texts = _joined(table.texts, cells if whole else cells[at:stop])
            table.lengths.append(lengths if whole else lengths[at:stop])
            table.headers = _joined(table.headers, columns.by_index[:widest] * run)
            table.columns = _joined(table.columns, columns.names[:widest] * run)
            run_rows = np.arange(before + 1 + first, before + 2 + last, dtype=np.int64)
            _numbers(table).frombytes(run_rows.repeat(widest).data.cast("B"))
        else:
            assert index is not None and row_of is not None
            which = index[at:stop]
            rowed = row_of[at:stop]
            if keep is None:
                table.texts.extend(cells[at:stop])
                table.lengths.append(lengths[at:stop])
            else:
                kept = keep[at:stop]
                table.texts.extend(compress(cells[at:stop], kept.tolist()))
                table.lengths.append(lengths[at:stop][kept])
                which = which[kept]
                rowed = rowed[kept]
            picked = which.tolist()
            table.headers.extend(map(columns.by_index.__getitem__, picked))
            table.columns.extend(map(columns.names.__getitem__, picked))
            _numbers(table).frombytes(rowed.data.cast("B"))
        table.size += int(totals[stop] - totals[at])
        if table.full():
            yield from table.blocks()
        first = last + 1


def _numbers(table: TablePacker) -> array[int]:
    """The table's row numbers, the ``array("q")`` ``_rows`` gave it (a new one after each
    whole hand-over)."""
    return cast("array[int]", table.rows)


def _joined(held: list[str], fresh: list[str]) -> list[str]:
    """``fresh`` after ``held``: ``fresh`` itself, not a copy, where ``held`` is empty (the
    table's lists are its own: ``handed_whole``; ``fresh`` is a list no one else keeps)."""
    if held:
        held.extend(fresh)
        return held
    return fresh
