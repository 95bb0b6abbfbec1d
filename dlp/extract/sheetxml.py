"""The rows of one xlsx worksheet part: ``(row number or None, [(column letters, text), ...])``.

Two readers give the same rows. ``lxml_rows`` parses the XML element by element: correct for
any well-formed sheet, about 5 microseconds a cell. ``fast_rows`` reads blocks of whole rows
with one regular expression (``_QUICK``) for the shape Excel, LibreOffice and openpyxl write,
about 2 microseconds a cell; a block with any row or cell of another shape goes to lxml,
wrapped in the sheet's own namespace declarations, and a sheet that does not start the usual
way (a prefixed namespace, not UTF-8) is read by ``lxml_rows`` from the start.
``sheet_rows`` picks.
"""

from __future__ import annotations

import datetime
import functools
import io
import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import numpy as np
from lxml import etree

from dlp.extract import sheetkernel
from dlp.extract.xmlparse import iterparse, release

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL, _ROW, _VALUE, _INLINE, _TEXT = S + "c", S + "row", S + "v", S + "is", S + "t"
_EPOCH = datetime.datetime(1899, 12, 30)
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")

Row = tuple[int | None, list[tuple[str, str]]]

_BLOCK = 1024 * 1024
_HEAD = 64 * 1024
# The root element's start tag, and the declarations on it a fragment needs to parse alone.
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_XMLNS = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')""")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([\w.-]+)["']""")
_ROW_START = re.compile(rb"<row[\s/>]")  # not <rowBreaks>


@dataclass(frozen=True, slots=True, eq=False)
class RowBlock:
    """Consecutive rows of a sheet by columns: ``numbers`` has each row's number (None: not
    given), and cell i, ``texts[i]`` in column ``columns[i]``, is in row ``cell_rows[i]`` (an
    index into ``numbers``; ascending). Lists of strings cost the garbage collector nothing,
    where a tuple per cell and a list per row made it walk the heap again and again.

    The compiled reader gives each cell's row (``row_indexes``, then ``cell_rows`` is made
    from it only when asked for) and column by number (``column_numbers``, "A" = 1) as
    arrays, for the caller to look things up by column or row a whole block at a time."""

    numbers: list[int | None]
    listed_rows: list[int] | None  # ``cell_rows`` as given, or None: from ``row_indexes``
    # ``columns`` as given, or None: from ``column_numbers`` (up to ``last_column``), made
    # only when asked for (a sheet's reader takes the numbers).
    listed_columns: list[str] | None
    texts: list[str]
    column_numbers: np.ndarray | None = field(default=None, compare=False)
    row_indexes: np.ndarray | None = field(default=None, compare=False)
    # Each text's length (int64), when the reader knew it without measuring every text.
    lengths: np.ndarray | None = field(default=None, compare=False)
    # ``numbers`` as int64s, -1 for None, when the reader had them as an array.
    row_numbers: np.ndarray | None = field(default=None, compare=False)
    # The highest of ``column_numbers`` (0 for none) when the reader had it (-1: not known).
    last_column: int = field(default=-1, compare=False)
    # True when the reader knows that every row has its number (no None in ``numbers``).
    all_numbered: bool = field(default=False, compare=False)
    # The sum of ``lengths`` when the reader had it without summing them (-1: not known).
    total_length: int = field(default=-1, compare=False)

    @property
    def columns(self) -> list[str]:
        if self.listed_columns is not None:
            return self.listed_columns
        assert self.column_numbers is not None and self.last_column >= 0
        columns: list[str] = _column_array(self.last_column)[self.column_numbers].tolist()
        return columns

    @property
    def cell_rows(self) -> list[int]:
        if self.listed_rows is not None:
            return self.listed_rows
        assert self.row_indexes is not None
        rows: list[int] = self.row_indexes.tolist()
        return rows

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowBlock):
            return NotImplemented
        return (self.numbers, self.cell_rows, self.columns, self.texts) == (
            other.numbers,
            other.cell_rows,
            other.columns,
            other.texts,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside, as the dataclass had

    def rows(self) -> list[Row]:
        out: list[Row] = [(number, []) for number in self.numbers]
        for row, column, text in zip(self.cell_rows, self.columns, self.texts, strict=True):
            out[row][1].append((column, text))
        return out

    @classmethod
    def of(cls, rows: list[Row]) -> RowBlock:
        cell_rows: list[int] = []
        columns: list[str] = []
        texts: list[str] = []
        for index, (_, cells) in enumerate(rows):
            for column, text in cells:
                cell_rows.append(index)
                columns.append(column)
                texts.append(text)
        return cls([number for number, _ in rows], cell_rows, columns, texts)


def sheet_rows(stream: IO[bytes], strings: list[str], date_styles: frozenset[int]) -> Iterator[Row]:
    """The sheet's rows, by the fast reader where the sheet allows it."""
    for block in sheet_blocks(stream, strings, date_styles):
        yield from block.rows()


def sheet_blocks(
    stream: IO[bytes], strings: list[str], date_styles: frozenset[int]
) -> Iterator[RowBlock]:
    """The sheet's rows in blocks, by the fast reader where the sheet allows it."""
    head = stream.read(_HEAD)
    root = _plain_root(head, len(head))
    if root is None:
        yield from _in_blocks(lxml_rows(_Rejoined(head, stream), strings, date_styles))
        return
    yield from fast_blocks(
        head[root.end() :], stream, strings, date_styles, _declarations(root.group())
    )


def _plain_root(data: bytes, end: int) -> re.Match[bytes] | None:
    """The root element's tag in ``data[:end]`` where the fast reader can read the sheet
    (the main namespace as the default one, UTF-8, no UTF-16 byte-order mark); None where
    lxml must."""
    root = _ROOT.search(data, 0, end)
    if root is None or _MAIN_NS not in root.group():
        return None
    declared = _DECLARED_ENCODING.match(data, 0, end)
    plain = (
        b'xmlns="' + _MAIN_NS + b'"' in root.group()
        and (declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"))
        and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    )
    return root if plain else None


def whole_sheet_blocks(
    data: bytes, strings: list[str], date_styles: frozenset[int]
) -> Iterator[RowBlock]:
    """``sheet_blocks`` of a sheet read whole (``data``): the very blocks it gives, cut from
    the bytes where it would cut them from its stream's reads, each from its first row on
    (see ``_block_rows``) and copied once, where the stream's reads, joins and cuts copied
    every byte four or five times."""
    if len(data) > _HEAD + _BLOCK:
        yield from sheet_blocks(io.BytesIO(data), strings, date_styles)
        return
    root = _plain_root(data, _HEAD)
    if root is None:
        yield from sheet_blocks(io.BytesIO(data), strings, date_styles)
        return
    declarations = _declarations(root.group())
    start, size = root.end(), len(data)
    # ``fast_blocks``' cuts: with more than ``_HEAD`` bytes its first read takes the rest
    # and it cuts after the last "</row>" (if any), then gives what follows; else one block.
    cuts = [start, size]
    if size > _HEAD:
        end = data.rfind(b"</row>", start) + len(b"</row>")
        if end >= start + len(b"</row>"):
            cuts = [start, end, size]
    for lo, hi in itertools.pairwise(cuts):
        first = _ROW_START.search(data, lo, hi)
        if first is None:
            continue  # (``_block_rows`` gives None)
        rows = _block_rows(data[first.start() : hi], strings, date_styles, declarations)
        if rows is not None:
            yield rows


@functools.lru_cache(maxsize=64)
def _declarations(root: bytes) -> bytes:
    """The namespace declarations of a root start tag (``root``): the same few tags start
    most sheets, and the search took some 13 us a sheet."""
    return b"".join(match.group() for match in _XMLNS.finditer(root))


def _in_blocks(rows: Iterable[Row], size: int = 1000) -> Iterator[RowBlock]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield RowBlock.of(batch)
            batch = []
    if batch:
        yield RowBlock.of(batch)


def lxml_rows(stream: Any, strings: list[str], date_styles: frozenset[int]) -> Iterator[Row]:
    for _, row in iterparse(stream, tags=[_ROW]):
        yield _lxml_row(row, strings, date_styles)
        release(row)


def _lxml_row(row: Any, strings: list[str], date_styles: frozenset[int]) -> Row:
    numbered = row.get("r")
    cells: list[tuple[str, str]] = []
    for column_number, cell in enumerate(row.iter(_CELL), start=1):
        reference = cell.get("r")
        if reference:
            match = _CELL_REF.match(reference)
            letters = match.group(1) if match else column_letters(column_number)
        else:
            letters = column_letters(column_number)
        text = cell_text(cell, strings, date_styles)
        if text:
            cells.append((letters, text))
    return (int(numbered) if numbered else None), cells


def fast_rows(
    first: bytes,
    stream: IO[bytes],
    strings: list[str],
    date_styles: frozenset[int],
    declarations: bytes,
) -> Iterator[Row]:
    for block in fast_blocks(first, stream, strings, date_styles, declarations):
        yield from block.rows()


def fast_blocks(
    first: bytes,
    stream: IO[bytes],
    strings: list[str],
    date_styles: frozenset[int],
    declarations: bytes,
) -> Iterator[RowBlock]:
    pending = first
    while True:
        chunk = stream.read(_BLOCK)
        pending += chunk
        end = pending.rfind(b"</row>") + len(b"</row>") if chunk else len(pending)
        if chunk and end < len(b"</row>"):
            continue  # not one whole row yet
        block, pending = pending[:end], pending[end:]
        rows = _block_rows(block, strings, date_styles, declarations)
        if rows is not None:
            yield rows
        if not chunk:
            return


def _block_rows(
    block: bytes, strings: list[str], date_styles: frozenset[int], declarations: bytes
) -> RowBlock | None:
    first = _ROW_START.search(block)
    if first is None:
        return None
    start = first.start()
    # The rows run to the last "</sheetData", if any. Looking for it costs a pass over the
    # block (a third of the kernel's time): the kernel stops at the first one it meets, and
    # only a block where it did (a sheet's last) is searched for the last one.
    uncut = block[start:]
    read = _kernel_read(uncut, strings, date_styles)
    if read is not None:
        kernel_block, stopped = read
        if stopped < 0 or block.rfind(b"</sheetData") == start + stopped:
            return kernel_block
    stop = block.rfind(b"</sheetData")
    rows = uncut if stop < start else block[start:stop]
    # The kernel has read these very rows already when there was nothing to cut.
    quick = _quick_block(rows, strings, date_styles, kernel=rows is not uncut)
    if quick is not None:
        return quick
    return RowBlock.of(list(_fragment_rows(rows, strings, date_styles, declarations)))


# The shape Excel, LibreOffice and openpyxl write, as one pattern, so that a block of rows is
# one findall: a row start (its attributes; "/" if empty), or a whole cell with its reference,
# then style and type in that order, an optional formula, then a value or a plain inline
# string. A cell of any other shape makes the counts differ and the block go the slower way.
_QUICK = re.compile(
    r'<row((?: [\w:]+="[^"]*")*)(/?)>'
    r'|<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?: (?![st]=)[\w:]+="[^"]*")*'
    r'(?:/>|>(?:<f>[^<]*</f>|<f(?: [\w:]+="[^"]*")*/>|<f(?: [\w:]+="[^"]*")*>[^<]*</f>)?'
    r'(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_ROW_NUMBER = re.compile(r' r="([^"]*)"')
# Every row and cell start tag, however written: what _QUICK must have matched, one for one.
_OPENINGS = re.compile(r"<(?:c|row)[\s/>]")


def _quick_rows(rows: bytes, strings: list[str], date_styles: frozenset[int]) -> list[Row] | None:
    """The block's rows by ``_QUICK`` (or the kernel that reads the same), or None when any
    row or cell has another shape."""
    block = _quick_block(rows, strings, date_styles)
    return None if block is None else block.rows()


def _quick_block(
    rows: bytes, strings: list[str], date_styles: frozenset[int], kernel: bool = True
) -> RowBlock | None:
    read = _kernel_read(rows, strings, date_styles) if kernel else None
    if read is not None and read[1] < 0:  # not stopped by an "</sheetData" within the rows
        return read[0]
    found = _pattern_rows(rows, strings, date_styles)
    return None if found is None else RowBlock.of(found)


def _kernel_read(
    rows: bytes, strings: list[str], date_styles: frozenset[int]
) -> tuple[RowBlock, int] | None:
    """The rows read by the kernel, up to the first "</sheetData" in them, and where that
    is (-1: none); None without numba, or when the kernel gives up."""
    if not rows.isascii():
        return None
    kernel = sheetkernel.compiled()
    return None if kernel is None else _kernel_block(kernel, rows, strings, date_styles)


def _pattern_rows(rows: bytes, strings: list[str], date_styles: frozenset[int]) -> list[Row] | None:
    try:
        text = rows.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _QUICK.findall(text)
    if len(found) != len(_OPENINGS.findall(text)):
        return None
    out: list[Row] = []
    cells: list[tuple[str, str]] = []
    count = len(strings)
    for row_attributes, empty, letters, style, kind, value, inline in found:
        if not letters:
            numbered = _ROW_NUMBER.search(row_attributes)
            cells = []
            out.append((int(numbered.group(1)) if numbered else None, cells))
            if empty:
                cells = []  # a later cell cannot belong to an empty row
            continue
        if not out or (out[-1][1] is not cells):
            return None  # a cell outside a row, or after an empty one
        if kind == "inlineStr":
            cell = _resolved(inline) if inline else ""
        elif not value:
            continue
        else:
            if "&" in value or "\r" in value:
                value = _resolved(value)
            if kind == "s":
                index = int(value)
                cell = strings[index] if 0 <= index < count else ""
            elif kind == "b":
                cell = "TRUE" if value == "1" else "FALSE"
            elif (not kind or kind == "n") and date_styles and style and int(style) in date_styles:
                cell = _date(value)
            elif (not kind or kind == "n") and len(value) > SHOWN_DIGITS + 1:
                cell = shown_number(value)
            else:
                cell = value
        if cell:
            cells.append((letters, cell))
    return out


def _kernel_block(
    kernel: sheetkernel.Kernel, data: bytes, strings: list[str], date_styles: frozenset[int]
) -> tuple[RowBlock, int] | None:
    """``_quick_rows``'s loop over what the kernel read (see `sheetkernel`), by columns: the
    per-cell work left in Python is making its string and a look-up of its column's letters
    by number. With where the kernel stopped (see `sheetkernel.read`); None when it gives up."""
    cells, row_numbers, text = _scratch(len(data))
    count, row_count, written, stopped, fixes = kernel(
        data, cells, row_numbers, text, _dated(date_styles)
    )
    if count == sheetkernel.NOT_UNDERSTOOD:
        return None
    # Copies, so that the block does not keep the arrays' unused room alive.
    numbered_columns = cells[sheetkernel.COLUMN, :count].copy()
    row_of = cells[sheetkernel.ROW_INDEX, :count].copy()
    # An ASCII text as written is as long as its bytes; the cells changed below are measured.
    lengths = cells[sheetkernel.LENGTH, :count].copy()
    row_numbers = row_numbers[:row_count].copy()
    texts = str(text[:written].data, "ascii").split("<")
    texts.pop()  # after the last value's "<"
    if fixes:  # else every text is its value as written: ``_fixed`` has nothing to do
        texts, kept = _fixed(texts, cells, count, lengths, strings, date_styles)
        if kept is not None:
            numbered_columns = numbered_columns[kept]
            row_of = row_of[kept]
            lengths = lengths[kept]
    last = int(numbered_columns.max()) if len(numbered_columns) else 0
    # (the ufunc itself: ``.all()`` and ``.min()`` cost a microsecond more to dispatch)
    numbered = not row_count or int(_LEAST(row_numbers)) >= 0
    if numbered:
        numbers = cast("list[int | None]", row_numbers.tolist())
    else:
        numbers = [number if number >= 0 else None for number in row_numbers.tolist()]
    # With nothing fixed every text is its value as written, each followed by one "<".
    total = written - count if not fixes else -1
    # (the columns' letters made only if asked for: ``RowBlock.columns``)
    block = RowBlock(
        numbers,
        None,
        None,
        texts,
        numbered_columns,
        row_of,
        lengths,
        row_numbers,
        last,
        numbered,
        total,
    )
    return block, stopped


_LEAST = np.minimum.reduce


def _fixed(
    texts: list[str],
    cells: np.ndarray,
    count: int,
    lengths: np.ndarray,
    strings: list[str],
    date_styles: frozenset[int],
) -> tuple[list[str], list[int] | None]:
    """The texts with each cell whose text is not its value as written fixed in Python, and
    their ``lengths`` (in place); with the indexes of the texts to keep when some came out
    empty (else None)."""
    kind_of = cells[sheetkernel.KIND, :count]
    special_of = cells[sheetkernel.SPECIAL, :count] != 0
    shared = (kind_of == sheetkernel.KIND_S).nonzero()[0]
    indexes = cells[sheetkernel.INDEX, :count][shared]
    # Shared strings looked up by index come with their lengths; the other shared cells
    # (an index written otherwise, read by int()) are measured.
    changed = special_of | (kind_of == sheetkernel.KIND_B)
    changed[shared[indexes < 0]] = True
    for index in special_of.nonzero()[0].tolist():
        texts[index] = _resolved(texts[index])
    if len(shared):
        texts = _shared(texts, shared, indexes, strings, lengths)
    for index in (kind_of == sheetkernel.KIND_B).nonzero()[0].tolist():
        texts[index] = "TRUE" if texts[index] == "1" else "FALSE"
    numeric = (kind_of == sheetkernel.KIND_NONE) | (kind_of == sheetkernel.KIND_N)
    if date_styles:
        dated = kind_of == sheetkernel.KIND_DATED  # the kernel told them by `_dated`
        for index in dated.nonzero()[0].tolist():
            texts[index] = _date(texts[index])
        changed |= dated
    long_numbers = numeric & (lengths > SHOWN_DIGITS + 1)
    if long_numbers.any():
        plain = long_numbers & ~special_of
        for index in (long_numbers & ~plain).nonzero()[0].tolist():
            texts[index] = shown_number(texts[index])
        _shown_numbers(texts, plain.nonzero()[0].tolist())
        changed |= long_numbers
    changed_cells = changed.nonzero()[0].tolist()
    _measure(lengths, texts, changed_cells)
    # Only a changed or looked-up text can be empty (a shared string that is, or a reference
    # to nothing): a value as written has at least one byte.
    if any(not texts[index] for index in changed_cells) or not lengths[shared].all():
        kept = [i for i, cell in enumerate(texts) if cell]
        return [texts[i] for i in kept], kept
    return texts, None


_SCRATCH = threading.local()
_DATED: tuple[frozenset[int], np.ndarray] = (frozenset(), np.zeros(0, dtype=np.uint8))


def _dated(date_styles: frozenset[int]) -> np.ndarray:
    """``date_styles`` for the kernel: 1 at each date style's index (the last workbook's
    kept, as a sheet is read block after block)."""
    global _DATED
    held = _DATED
    if held[0] is date_styles or held[0] == date_styles:
        return held[1]
    dated = np.zeros(max(date_styles, default=-1) + 1, dtype=np.uint8)
    dated[list(date_styles)] = 1
    _DATED = (date_styles, dated)
    return dated


def _scratch(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's arrays for a ``size``-byte block: this thread's, kept from one block to
    the next (fresh ones cost a page fault every 4 KB the kernel writes, a quarter of its
    time). What the reader keeps of them it copies."""
    cell_room, row_room, text_room = sheetkernel.capacities(size)
    held: tuple[np.ndarray, np.ndarray, np.ndarray] | None = getattr(_SCRATCH, "arrays", None)
    if (
        held is None
        or held[0].shape[1] < cell_room
        or len(held[1]) < row_room
        or len(held[2]) < text_room
    ):
        held = (
            np.empty((sheetkernel.CELL_FIELDS, cell_room), dtype=np.int64),
            np.empty(row_room, dtype=np.int64),
            np.empty(text_room, dtype=np.uint8),
        )
        _SCRATCH.arrays = held
    return held


def _measure(lengths: np.ndarray, texts: list[str], indexes: list[int]) -> None:
    """``lengths[i] = len(texts[i])`` for each i in ``indexes``, in place."""
    if indexes:
        lengths[indexes] = np.fromiter(
            map(len, map(texts.__getitem__, indexes)), dtype=np.int64, count=len(indexes)
        )


# Decimal fractions as Excel writes a double, each followed by a NUL: no exponent, at least 16
# digits (the values come at least 17 characters long; with a minus sign, 18).
_PLAIN_FRACTIONS = re.compile(r"(?:(?:-(?=[0-9.]{17})|(?!-))[0-9]*\.[0-9]*\x00)*+")


def _shown_numbers(texts: list[str], indexes: list[int]) -> None:
    """``shown_number`` of the texts at ``indexes`` (numbers at least 17 characters long), in
    place. When every one is a plain fraction with more than 15 digits, as a sheet of prices
    or measurements has thousands, they are parsed by one ``map`` and formatted by one ``%``:
    ``shown_number`` would format each with its 15 digits the same way."""
    if not indexes:
        return
    values = [texts[index] for index in indexes]
    joined = "\x00".join(values) + "\x00"
    if _PLAIN_FRACTIONS.fullmatch(joined):
        shown = (("%.15g\x00" * len(values)) % tuple(map(float, values))).split("\x00")
        shown.pop()  # after the last NUL
    else:
        shown = list(map(shown_number, values))
    for index, text in zip(indexes, shown, strict=True):
        texts[index] = text


def _shared(
    texts: list[str],
    shared: np.ndarray,
    numbers: np.ndarray,
    strings: list[str],
    lengths: np.ndarray,
) -> list[str]:
    """``texts`` with the shared-string cells (at ``shared``) replaced by their strings, as
    ``strings[int(text)]`` ("" out of range): indexes the kernel read (``numbers``, -1 for
    any not written as plain digits) are looked up a block at a time, and their lengths set
    in ``lengths``; any other is read by ``int`` as before."""
    read = numbers >= 0
    table, measured = _lookup(strings)
    out = np.array(texts, dtype=object)
    # An index past the end picks the "" kept after the strings.
    picked = np.minimum(numbers[read], len(strings))
    out[shared[read]] = table[picked]
    lengths[shared[read]] = measured[picked]
    texts = out.tolist()
    for index in shared[~read].tolist():
        number = int(texts[index])
        texts[index] = strings[number] if 0 <= number < len(strings) else ""
    return texts


_LOOKUP = threading.local()


def _lookup(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_strings_array` of ``strings`` and each one's length (0 for the "" after them): made
    once per workbook rather than once per block, kept by this thread until
    `forget_strings`."""
    held: tuple[list[str], np.ndarray, np.ndarray] | None = getattr(_LOOKUP, "held", None)
    if held is not None and held[0] is strings:
        return held[1], held[2]
    table = _strings_array(strings)
    lengths = np.zeros(len(strings) + 1, dtype=np.int64)
    lengths[: len(strings)] = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    _LOOKUP.held = (strings, table, lengths)
    return table, lengths


def forget_strings() -> None:
    """Let go of the shared strings `_lookup` keeps (a workbook's reading is over)."""
    _LOOKUP.held = None


def _strings_array(strings: list[str]) -> np.ndarray:
    """The workbook's shared strings and a "" after them, as an array to pick from (some
    tenths of a millisecond for 50,000 strings, once per block of rows)."""
    table = np.empty(len(strings) + 1, dtype=object)
    table[: len(strings)] = strings
    table[len(strings)] = ""
    return table


_COLUMN_ARRAY: np.ndarray = np.array([""], dtype=object)


def _column_array(last: int) -> np.ndarray:
    """``_column_names(last)`` as an array of the same strings, to pick from by numbers."""
    global _COLUMN_ARRAY
    names = _COLUMN_ARRAY
    if last >= len(names):
        names = np.array(_column_names(last), dtype=object)
        _COLUMN_ARRAY = names
    return names


_COLUMN_NAMES: tuple[str, ...] = ("",)  # "", "A", "B", ... as far as a sheet has needed


def _column_names(last: int) -> tuple[str, ...]:
    """Column letters by number, up to ``last`` at least (a new tuple replaces the old one
    whole, so a thread reading the old one never sees it half grown)."""
    global _COLUMN_NAMES
    names = _COLUMN_NAMES
    if last >= len(names):
        names += tuple(column_letters(n) for n in range(len(names), last + 1))
        _COLUMN_NAMES = names
    return names


def _resolved(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _REFERENCE.sub(_resolve, text) if "&" in text else text


def _fragment_rows(
    rows: bytes, strings: list[str], date_styles: frozenset[int], declarations: bytes
) -> Iterator[Row]:
    """Whole rows lxml reads alone: wrapped in an element with the sheet's declarations."""
    wrapped = b"<sheetData" + declarations + b">" + rows + b"</sheetData>"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    for row in etree.fromstring(wrapped, parser).iter(_ROW):
        yield _lxml_row(row, strings, date_styles)


# XML's references: the five named entities and character references by code point (not
# html.unescape, which maps &#128; to the euro sign as HTML does).
_REFERENCE = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _resolve(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def cell_text(cell: Any, strings: list[str], date_styles: frozenset[int]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return "".join(t.text or "" for t in inline.iter(_TEXT)) if inline is not None else ""
    value = cell.findtext(_VALUE)
    if not value:
        return ""
    if kind == "s":
        index = int(value)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind in (None, "n") and date_styles:
        style = cell.get("s")
        if style is not None and int(style) in date_styles:
            return _date(value)
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    if kind in (None, "n") and len(value) > SHOWN_DIGITS + 1:
        return shown_number(value)
    return value


# Excel keeps 15 significant digits and shows no more, but writes the binary double's 17 into
# the file: "66.06999999999999" for the 66.07 on screen, "0.30000000000000004" for 0.3. Read
# as written, such a cell is a long run of digits that the card and account patterns look at.
SHOWN_DIGITS = 15


def shown_number(value: str) -> str:
    """A number cell's value as Excel shows it: with at most 15 significant digits when it
    has a fraction or an exponent (a whole number is left as written, every digit of it)."""
    mark = value.find("e")
    if mark < 0:
        mark = value.find("E")
    mantissa = value if mark < 0 else value[:mark]
    if mark < 0 and "." not in value:
        return value
    # Digits of the mantissa: all of it but a sign and the point (anything else is not a
    # number, and float() below leaves it as written).
    if len(mantissa) - mantissa.count(".") - mantissa.startswith(("-", "+")) <= SHOWN_DIGITS:
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:.{SHOWN_DIGITS}g}" if number == number else value  # NaN as written


def _date(serial: str) -> str:
    try:
        moment = _EPOCH + datetime.timedelta(days=float(serial))
    except (ValueError, OverflowError):
        return serial
    return f"{moment.month}/{moment.day}/{moment.year}"


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Rejoined:
    """A stream whose first bytes were already read: they come first again."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)
