"""Cells of one table (a sheet, a CSV file) packed into a few large segments.

A segment per cell costs a ``Location`` and a ``Segment`` per cell, and a trip through every
generator of the extraction stack per cell; a sheet has hundreds of thousands of cells.
Instead the readers append cell texts to plain lists and emit packed segments: the texts
joined by ``SEPARATOR`` (no pattern or term crosses it), described by a ``CellTable`` whose
``locations`` are made only when asked for (``CellLocations``).

A packed segment stands for exactly the per-cell segments it was made of (``cells_of`` gives
them back): each cell's text, its location and its column header as context. Its blocks are
cut by the same rule as ``dlp.packing.pack`` (see ``TablePacker.blocks``), so that ``pack``
passes a table's blocks through as they are.

The readers append to the lists directly (a method call per cell is a visible share of a
cell's cost); ``add`` is there for the slower formats.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field, fields
from itertools import accumulate
from operator import sub
from typing import TYPE_CHECKING, Any, overload

from dlp.model import CellTable, Location, Segment, names_other_columns

if TYPE_CHECKING:
    import numpy as np

SEPARATOR = "\n" * 6  # longer than MAX_SEPARATOR_RUN: no term or pattern crosses it
GAP = len(SEPARATOR)
SMALL = 4096  # a longer cell is a segment of its own
BLOCK = 256 * 1024
FIRST = 8 * 1024  # a young table's first hand-over (see ``TablePacker.blocks``)
NEVER_EARLY = 1 << 62  # as ``first``: whole blocks only


class _Locations(Sequence[Location]):
    """Equal to any sequence of the same locations (a list of them, as ``pack`` kept)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class LocationsByIndex(Sequence[Location]):
    """A sequence of locations that makes each one only when asked for (``location_at``, of
    an index from 0): slices and negative indexes are read here, once for all of them."""

    __slots__ = ()

    def location_at(self, index: int) -> Location:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Location: ...

    @overload
    def __getitem__(self, index: slice) -> list[Location]: ...

    def __getitem__(self, index: int | slice) -> Location | list[Location]:
        if isinstance(index, slice):
            return [self.location_at(i) for i in range(*index.indices(len(self)))]
        return self.location_at(index + len(self) if index < 0 else index)


class JoinedRefs(Sequence[str]):
    """Cell references kept as their two parts, column letters and row label, joined only
    when one is asked for (a location is made for a finding's cell, not for every cell)."""

    __slots__ = ("columns", "rows")

    def __init__(self, columns: Sequence[str], rows: Sequence[str]) -> None:
        self.columns = columns
        self.rows = rows

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> JoinedRefs: ...

    def __getitem__(self, index: int | slice) -> str | JoinedRefs:
        if isinstance(index, slice):
            return JoinedRefs(self.columns[index], self.rows[index])
        return self.columns[index] + self.rows[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class NumberedRefs(Sequence[str]):
    """Cell references kept as column and row numbers ("B12": 2 and 12) in int64 arrays,
    added a block of rows at a time, each written as letters and digits only when one is
    asked for: a sheet's thousands of cells are located only where one holds a finding
    shown in a preview, and writing every reference out cost a tenth of reading a sheet.
    Equal to the list of the same references."""

    __slots__ = ("_parts",)

    def __init__(self, columns: np.ndarray | None = None, rows: np.ndarray | None = None) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []
        if columns is not None and rows is not None:
            self.add(columns, rows)

    def add(self, columns: np.ndarray, rows: np.ndarray) -> None:
        """References of cells in columns ``columns`` and rows ``rows`` (one each a cell)."""
        if len(columns) != len(rows):
            raise ValueError("a column and a row for every cell")
        if len(columns):
            self._parts.append((columns, rows))

    def _whole(self) -> tuple[np.ndarray, np.ndarray]:
        parts = self._parts
        if len(parts) == 1:
            return parts[0]
        import numpy as np  # here, not at import (see ``packed``)

        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        whole = (
            np.concatenate([columns for columns, _ in parts]),
            np.concatenate([rows for _, rows in parts]),
        )
        self._parts = [whole]
        return whole

    def __len__(self) -> int:
        return sum(len(columns) for columns, _ in self._parts)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> NumberedRefs: ...

    def __getitem__(self, index: int | slice) -> str | NumberedRefs:
        columns, rows = self._whole()
        if isinstance(index, slice):
            return NumberedRefs(columns[index], rows[index])
        return cell_letters(int(columns[index])) + str(int(rows[index]))

    def __delitem__(self, index: slice) -> None:
        """Only the first references are ever dropped (``TablePacker._keep``)."""
        if not isinstance(index, slice) or index.start not in (None, 0) or index.step:
            raise ValueError("only a leading run of references is dropped")
        columns, rows = self._whole()
        self._parts = [(columns[index.stop :], rows[index.stop :])]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NumberedRefs({len(self)} cells)"


# Column letters by number, as far as a reference has needed them (a new tuple replaces the
# old one whole); past _MOST_LETTERS they are written each time.
_LETTERS: tuple[str, ...] = ("",)
_MOST_LETTERS = 18_278  # "ZZZ"


def cell_letters(number: int) -> str:
    """Column ``number``'s letters ("A" = 1, "AA" = 27), as a sheet's references write it."""
    global _LETTERS
    letters = _LETTERS
    if number < len(letters):
        return letters[number]
    if number > _MOST_LETTERS:
        return _letters(number)
    letters += tuple(_letters(n) for n in range(len(letters), number + 1))
    _LETTERS = letters
    return letters[number]


def _letters(number: int) -> str:
    written = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        written = chr(65 + rest) + written
    return written


class CellLocations(_Locations):
    """Each cell's ``Location``, made when it is asked for from a few parallel lists.

    A cell's location is the base location of its run (``bases``: from which cell on which
    base applies, e.g. one per sheet) with ``rows[i]`` (when there are rows), ``refs[i]``
    (when there are cell references) and ``columns[i]`` ("" for none). ``lo``/``hi`` make a
    view of part of the lists without copying them.
    """

    __slots__ = ("base_starts", "bases", "columns", "hi", "lo", "refs", "rows")

    def __init__(
        self,
        bases: Sequence[tuple[int, Location]],
        columns: Sequence[str],
        rows: Sequence[int] = (),
        refs: Sequence[str] = (),
        lo: int = 0,
        hi: int | None = None,
    ) -> None:
        self.bases = tuple(bases)
        self.base_starts = [start for start, _ in self.bases]
        self.columns = columns
        self.rows = rows
        self.refs = refs
        self.lo = lo
        self.hi = len(columns) if hi is None else hi

    def __len__(self) -> int:
        return self.hi - self.lo

    @overload
    def __getitem__(self, index: int) -> Location: ...

    @overload
    def __getitem__(self, index: slice) -> CellLocations: ...

    def __getitem__(self, index: int | slice) -> Location | CellLocations:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("cell locations are sliced in order only")
            stop = max(start, stop)
            return CellLocations(
                self.bases, self.columns, self.rows, self.refs, self.lo + start, self.lo + stop
            )
        # A finding's cell: no Python-level len() or JoinedRefs look-up on the way (this is
        # made once per finding, and a roster sheet has a finding in every row).
        size = self.hi - self.lo
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        at = self.lo + index
        bases = self.bases
        base = bases[0][1] if len(bases) == 1 else bases[bisect_right(self.base_starts, at) - 1][1]
        refs = self.refs
        if type(refs) is JoinedRefs:
            ref = refs.columns[at] + refs.rows[at] if refs.columns else base.cell
        else:
            ref = refs[at] if refs else base.cell
        return Location(
            base.path,
            base.part,
            base.page,
            base.sheet,
            self.rows[at] if self.rows else base.row,
            self.columns[at] or None,
            ref,
        )

    def __repr__(self) -> str:
        return f"CellLocations({len(self)} cells)"


class ChainedLocations(_Locations, LocationsByIndex):
    """Several sequences of locations read as one (a block ``pack`` put together)."""

    __slots__ = ("offsets", "parts")

    def __init__(self, parts: Sequence[Sequence[Location]]) -> None:
        self.parts = tuple(part for part in parts if len(part))
        self.offsets = [0, *accumulate(map(len, self.parts))]

    def __len__(self) -> int:
        return self.offsets[-1]

    def location_at(self, index: int) -> Location:
        if not 0 <= index < len(self):
            raise IndexError(index)
        part = bisect_right(self.offsets, index) - 1
        return self.parts[part][index - self.offsets[part]]

    def __repr__(self) -> str:
        return f"ChainedLocations({len(self)} cells)"


def _listed_on_read(slot: Any) -> property:
    """A ``CellTable`` offsets slot that may hold an int64 array, read as the list of ints
    it stands for: the list is made on the first read and kept in the slot. A block's
    offsets are read only where one of its cells is cut out or scanned as part of the
    block, which the export's worker does for few blocks (its memo answers for most), and
    ``tolist`` of both arrays cost three times joining the block's text."""

    def read(table: CellTable) -> Sequence[int]:
        value = slot.__get__(table, CellTable)
        if value is None:  # (``packed(lazy=True)``: made from the lengths when first read)
            _offsets_of(table)
            value = slot.__get__(table, CellTable)
        if type(value) is not list and hasattr(value, "tolist"):
            value = value.tolist()
            slot.__set__(table, value)
        return value

    def write(table: CellTable, value: Sequence[int]) -> None:
        slot.__set__(table, value)  # (the dataclass's __init__ sets it so)

    return property(read, write)


_STARTS_SLOT: Any = CellTable.__dict__["starts"]
_ENDS_SLOT: Any = CellTable.__dict__["ends"]


def _offsets_of(table: CellTable) -> None:
    """A lazy table's offsets (int64 arrays) into its slots, from its cells' lengths: cell i
    ends at the sum of the lengths so far plus i separators (see ``packed``)."""
    import numpy as np  # here, not at import (see ``packed``)

    lengths = table.lengths  # type: ignore[attr-defined]
    ends = lengths.cumsum()
    ends += np.arange(0, GAP * len(lengths), GAP, dtype=np.int64)
    _ENDS_SLOT.__set__(table, ends)
    _STARTS_SLOT.__set__(table, ends - lengths)


@dataclass(frozen=True, slots=True, eq=False)
class TextCells(CellTable):
    """A packed table that also keeps its cells' texts apart (each one's), as the reader
    gathered them: a reader of many cells (the export's worker, ``dlp.packing.cut_runs``)
    takes them as they are rather than cutting each out of the joined text again. Equal to
    the plain table of the same cells: the texts are the joined text's own. ``starts`` and
    ``ends`` may be given as int64 arrays (``packed``); they read as lists of ints all the
    same."""

    texts: Sequence[str] = ()
    # The texts' lengths as an int64 array (None: not kept), for a reader that sums them.
    lengths: np.ndarray | None = field(default=None, compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CellTable):
            return NotImplemented
        return all(
            getattr(self, name.name) == getattr(other, name.name)
            for name in fields(CellTable)
            if name.compare
        )

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.texts)  # (the offsets left unread: asked once per finding)


# Set on the class made, since ``dataclass(slots=True)`` drops whatever the class body names
# as a field, inherited ones included.
TextCells.starts = _listed_on_read(CellTable.__dict__["starts"])  # type: ignore[assignment,misc]
TextCells.ends = _listed_on_read(CellTable.__dict__["ends"])  # type: ignore[assignment,misc]


@dataclass(frozen=True, slots=True, eq=False)
class ListedCells(TextCells):
    """A ``TextCells`` table made with its offsets as lists, read straight from their slots:
    a table made to be scanned at once (the export's candidates), whose offsets the scanner
    reads once per match, where ``TextCells``' look at them cost a function call each."""


ListedCells.starts = CellTable.__dict__["starts"]  # type: ignore[misc]
ListedCells.ends = CellTable.__dict__["ends"]  # type: ignore[misc]


def packed(
    texts: Sequence[str],
    headers: Sequence[str],
    locations: Sequence[Location],
    lengths: np.ndarray | None = None,
    header_rows: Sequence[tuple[int, str]] = (),
    lazy: bool = False,
) -> Segment:
    """The cells as one segment, exactly as ``pack`` joins per-cell segments (``lengths``:
    the texts' lengths when the caller has them already, as an int64 array; ``header_rows``:
    the header rows of the tables the cells are of, when they are more than these cells).
    ``lazy``: a ``TextCells`` whose offsets are made lists only if they are read, in a
    ``JoinedLater`` segment whose text is joined only if it is read (a reader's block), else
    a ``ListedCells``."""
    import numpy as np  # here, not at import: the quarantine's commands read cells without it

    if lengths is None:
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts: Any = None
    ends: Any = None
    if not lazy:
        # Cell i ends at the sum of the lengths so far plus i separators: in numpy, since the
        # same in Python iterators made an int object per cell three times over.
        ends = lengths.cumsum()
        ends += np.arange(0, GAP * len(lengths), GAP, dtype=np.int64)
        starts = (ends - lengths).tolist()
        ends = ends.tolist()
    # (a lazy table's offsets are made from its lengths only if they are read, as few
    # blocks' are: ``_offsets_of``)
    first = locations[0]
    table = (TextCells if lazy else ListedCells)(
        base=first,
        starts=starts,
        ends=ends,
        headers=headers,
        locations=locations,
        longest=int(lengths.max()) if len(lengths) else 0,
        header_rows=header_rows,
        texts=texts,
        lengths=lengths,
    )
    if lazy:
        return JoinedLater.of(first, table)
    return Segment(SEPARATOR.join(texts), first, "", table)


# ``Segment``'s own slot for its text, read and written past ``JoinedLater.text``.
_TEXT_SLOT: Any = Segment.__dict__["text"]


class JoinedLater(Segment):
    """A reader's block (``packed(lazy=True)``) whose text is joined from its cells' texts
    when it is first read, and kept. The export's worker reads a block's cells apart
    (``TextCells.texts``) and, in a drive export, never its joined text: joining every block
    cost some 1% of a workbook's scan and more of a CSV file's. Equal to, and read as, the
    ``Segment`` of the same fields."""

    __slots__ = ()

    @classmethod
    def of(cls, location: Location, cells: TextCells) -> JoinedLater:
        """The block of ``cells``, its text not joined yet (``text`` joins it)."""
        segment = object.__new__(cls)
        object.__setattr__(segment, "location", location)
        object.__setattr__(segment, "context", "")
        object.__setattr__(segment, "cells", cells)
        return segment

    @property
    def text(self) -> str:
        try:
            text: str = _TEXT_SLOT.__get__(self, Segment)
        except AttributeError:  # not joined yet
            cells = self.cells
            assert isinstance(cells, TextCells)
            text = SEPARATOR.join(cells.texts)
            _TEXT_SLOT.__set__(self, text)
        return text

    @text.setter
    def text(self, text: str) -> None:
        # (``Segment.__init__``, ``dataclasses.replace`` and unpickling set it so)
        _TEXT_SLOT.__set__(self, text)

    def __eq__(self, other: object) -> bool:
        # The dataclass's own equality holds only between instances of one class.
        if not isinstance(other, Segment):
            return NotImplemented
        return (self.text, self.location, self.context, self.cells) == (
            other.text,
            other.location,
            other.context,
            other.cells,
        )

    __hash__ = Segment.__hash__


def cell_totals(segment: Segment, small: int) -> tuple[np.ndarray, list[int]]:
    """The running sums of a packed segment's cell lengths (int64; cell i's is the sum of
    cells 0..i), and ``long_cells``' stops: a table that kept its lengths (``packed``) is
    summed in numpy, not measured again cell by cell."""
    import numpy as np  # here, not at import (see ``packed``)

    cells = segment.cells
    lengths = getattr(cells, "lengths", None)
    if lengths is None:
        lengths = np.asarray(cell_lengths(segment), dtype=np.int64)
    count = len(lengths)
    longest = cells.longest if cells is not None else -1
    if count and (longest if longest >= 0 else int(lengths.max())) > small:
        bigs = (lengths > small).nonzero()[0].tolist()
    else:
        bigs = []
    bigs.append(count)
    return lengths.cumsum(), bigs


def long_cells(lengths: Sequence[int], small: int) -> list[int]:
    """The cells longer than ``small`` (each goes alone), then ``len(lengths)``: where each
    run of short cells has to stop. ``lengths`` is not empty."""
    bigs = [i for i, length in enumerate(lengths) if length > small] if max(lengths) > small else []
    bigs.append(len(lengths))
    return bigs


def cell_lengths(segment: Segment) -> list[int]:
    cells = segment.cells
    if cells is None:
        return [len(segment.text)]
    return list(map(sub, cells.ends, cells.starts))


def cell_chars(segment: Segment) -> int:
    """Characters of the cells themselves, the separators between them not counted."""
    cells = segment.cells
    if cells is None or not len(cells):
        return len(segment.text)
    lengths = getattr(cells, "lengths", None)
    if lengths is not None:
        return int(lengths.sum())  # (every packed table is counted: its offsets left unread)
    return cells.ends[-1] - cells.starts[0] - GAP * (len(cells) - 1)


def cell(segment: Segment, index: int) -> Segment:
    """One cell of a packed segment as the segment it stands for."""
    cells = segment.cells
    if cells is None:
        raise ValueError("not a packed segment")
    return Segment(
        segment.text[cells.starts[index] : cells.ends[index]],
        cells.location(index),
        cells.header(index),
    )


def cells_of(segment: Segment) -> Iterator[Segment]:
    """The per-cell segments a packed segment stands for; any other segment as it is."""
    if segment.cells is None:
        yield segment
        return
    for index in range(len(segment.cells)):
        yield cell(segment, index)


def head(segment: Segment, count: int) -> Segment:
    """The first ``count`` cells of a packed segment (1 or more)."""
    cells = segment.cells
    if cells is None or count >= len(cells):
        return segment
    if count == 1:
        return cell(segment, 0)
    end = cells.ends[count - 1]
    table = CellTable(
        base=cells.base,
        starts=cells.starts[:count],
        ends=cells.ends[:count],
        headers=cells.headers[:count],
        rows=cells.rows[:count],
        refs=cells.refs[:count],
        locations=cells.locations[:count],
        header_rows=[(at, row) for at, row in cells.header_rows if at < count],
    )
    return Segment(segment.text[:end], segment.location, segment.context, table)


class TablePacker:
    """Gathers cells; ``blocks`` cuts them into packed segments as ``pack`` would.

    The readers append to ``texts`` (the cell's text), ``headers`` (its context: the column
    header, "" for none), ``columns`` (the column its location names, "" for none; the same
    list as ``headers`` unless ``columns_apart``) and, when they use them, ``rows`` (row
    numbers, CSV) or ``refs`` (cell references, spreadsheets; or their column letters, with
    the row labels in ``ref_rows``, joined only for the cells that need a location), and add
    to ``size`` the
    length of each text plus ``GAP``. ``rebase`` starts a run of cells with another base
    location (the next sheet). A reader that has its texts' lengths as arrays already (CSV)
    may append them to ``lengths`` for every text it appends; then ``blocks`` does not
    measure the texts again. A reader that reaches the lists through the packer's attributes
    every time, never holding one (CSV), may set ``handed_whole``: then a block of every cell
    gathered takes the lists themselves, and the packer starts new ones.
    """

    __slots__ = (
        "bases",
        "block",
        "carry",
        "columns",
        "columns_apart",
        "handed_whole",
        "header_pool",
        "headers",
        "heads",
        "lengths",
        "noted",
        "numbered",
        "ref_rows",
        "refs",
        "regular",
        "rows",
        "size",
        "small",
        "texts",
        "threshold",
        "told",
        "told_cells",
    )

    def __init__(
        self,
        base: Location,
        columns_apart: bool = False,
        block: int = BLOCK,
        small: int = SMALL,
        first: int = FIRST,
    ) -> None:
        self.block = block
        self.small = small
        self.regular = 2 * (block + GAP)  # then at least one complete block to hand over
        self.threshold = min(first, self.regular)
        self.carry = 0
        self.columns_apart = columns_apart
        self.bases: list[tuple[int, Location]] = [(0, base)]
        # Each base's (sheet's) distinct headers so far, the cells' up to ``noted``: its
        # table's header row, for every block cut from it (``CellTable.header_rows``).
        self.heads: list[dict[str, None]] = [{}]
        self.noted = 0
        # The distinct headers of the cells gathered since ``noted``, by the position where
        # their base starts, as the reader told them (``tell_headers``) for ``told_cells``.
        self.told: dict[int, set[str]] = {}
        self.told_cells = 0
        self.size = 0  # characters gathered, a GAP counted after each cell
        self.texts: list[str] = []
        self.headers: list[str] = []
        self.columns: list[str] = [] if columns_apart else self.headers
        self.rows: MutableSequence[int] = []  # (or an ``array("q")``: CSV)
        self.refs: list[str] = []
        self.ref_rows: list[str] = []
        # Or every cell's reference by numbers (a worksheet's reader: ``NumberedRefs``).
        self.numbered: NumberedRefs | None = None
        self.lengths: list[np.ndarray] = []
        # Every header a cell of the table may have, when the reader knows them (CSV: its
        # columns' headers, the list it grows): once a table's header row holds them all,
        # the cells' headers need not be looked through for new ones.
        self.header_pool: Sequence[str] = ()
        self.handed_whole = False

    def rebase(self, base: Location) -> None:
        """The cells appended from now on are located from ``base``."""
        at = len(self.texts)
        if self.bases[-1][0] == at:
            self.bases[-1] = (at, base)
            self.heads[-1] = {}
        else:
            self.bases.append((at, base))
            self.heads.append({})

    def add(self, text: str, header: str, column: str = "", ref: str = "", row: int = 0) -> None:
        self.texts.append(text)
        self.headers.append(header)
        if self.columns_apart:
            self.columns.append(column)
        if ref:
            self.refs.append(ref)
        if row:
            self.rows.append(row)
        self.size += len(text) + GAP

    def name_columns(self, headers: Iterable[str]) -> None:
        """The current sheet's column headers, as its reader found them in its header row:
        part of its header row from the first block on, though their cells come later."""
        self.heads[-1].update(dict.fromkeys(headers))

    def tell_headers(self, distinct: set[str], count: int) -> None:
        """The reader's word that the ``count`` cells it has just appended, all of the
        current base, have exactly the headers ``distinct`` (a set the packer may keep): the
        packer then takes them rather than looking through those cells' headers (a set of
        every cell's header made per hand-over)."""
        if not count:
            return
        at = self.bases[-1][0]
        told = self.told.get(at)
        if told is None:
            self.told[at] = distinct
        else:
            told |= distinct
        self.told_cells += count

    def full(self) -> bool:
        """Time for the reader to hand over what it has (``blocks``)."""
        return self.size > self.threshold

    def blocks(self, final: bool = False) -> Iterator[Segment]:
        """The blocks gathered so far that are complete (with ``final``: all of them).

        ``pack``'s rule: a block takes cells while its size (text plus a separator per cell)
        stays within ``block``; a cell longer than ``small`` is a segment of its own.

        While a table is young (its size under ``first`` times a power of 2, up to a few
        blocks) the cells of an incomplete block are handed over too: a reader that stops
        early (the export's finding limit, usually reached in a roster's first rows) has not
        read the whole table for nothing. (Doubling, not more: a roster's limit is reached
        some 200 rows in, and a fourfold hand-over read up to four times the rows it needed.)
        ``carry`` remembers the part of the block already given, so that the blocks stay
        ``pack``'s; ``pack`` joins the pieces back.
        """
        texts = self.texts
        count = len(texts)
        if not count:
            return
        numbered = self.numbered
        if (
            len(self.refs) not in (0, count)
            or len(self.rows) not in (0, count)
            or len(self.ref_rows) not in (0, len(self.refs))
            or (numbered is not None and (len(numbered) != count or self.refs))
        ):
            raise ValueError("a table's cells must all have a reference (or a row), or none")

        self._note_headers()
        early = not final and self.threshold < self.regular
        self.threshold = min(self.threshold * 2, self.regular)
        lengths = self._lengths()
        # totals[i]: the size of cells 0..i, a separator counted after each. A block that
        # starts at cell s (``before`` = totals[s - 1]) stops before the first k > s with
        # totals[k] - GAP - before > block: the first cell that would not fit. A block
        # begun in an earlier hand-over started ``carry`` before cell 0, so that even cell 0
        # may not fit.
        totals = (lengths + GAP).cumsum()
        bigs = (lengths > self.small).nonzero()[0].tolist()
        bigs.append(count)
        start = big = 0
        carry = self.carry
        while start < count:
            if start == bigs[big]:
                carry = 0  # ``pack`` ends the block before a long cell
                yield self._block(start, start + 1, lengths)
                start += 1
                big += 1
                continue
            before = (int(totals[start - 1]) if start else 0) - carry
            # bisect_right(totals, limit, lo, hi), by numpy on its part of the array
            lo = start if carry else start + 1
            stop = lo + int(totals[lo : bigs[big]].searchsorted(before + self.block + GAP, "right"))
            if stop == count and not final:
                if early:
                    yield self._block(start, count, lengths)
                    carry = int(totals[count - 1]) - before
                    start = count
                break
            if stop > start:
                yield self._block(start, stop, lengths)
            carry = 0
            start = stop
        self.carry = carry
        self._keep(start, lengths)

    def _note_headers(self) -> None:
        """Each sheet's distinct headers, with those of the cells gathered since the last
        hand-over (before it: its blocks' header rows hold every header gathered so far)."""
        headers = self.headers
        count = len(headers)
        told = self.told if self.told_cells == count - self.noted else None
        self.told, self.told_cells = {}, 0
        pool = self.header_pool
        if pool and len(self.heads) == 1 and self.heads[0].keys() >= set(pool):
            self.noted = count  # (a pool is of a table of one base: CSV)
            return
        at = self.noted
        froms = [start for start, _ in self.bases]
        index = bisect_right(froms, at) - 1
        while at < count:
            end = froms[index + 1] if index + 1 < len(froms) else count
            seen = self.heads[index]
            if told is not None:  # every cell's told (``tell_headers``)
                new = told.get(froms[index], set())
            else:
                # A set first: a column's header repeats in every row, and a set of them is
                # made at half the cost of a dict; the few new ones join in an order of their
                # own.
                new = set(headers if at == 0 and end == count else headers[at:end])
            new.difference_update(seen)
            if new:
                seen.update(dict.fromkeys(sorted(new)))
            at = end
            index += 1
        self.noted = count

    def _lengths(self) -> np.ndarray:
        """The texts' lengths: those the reader gave when it gave them all, else measured."""
        import numpy as np  # here, not at import (see ``packed``)

        texts = self.texts
        if self.lengths:
            lengths = self.lengths[0] if len(self.lengths) == 1 else np.concatenate(self.lengths)
            if len(lengths) == len(texts):
                self.lengths = [lengths]
                return lengths
            self.lengths = []  # not one for every text: measured from here on
        return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))

    def _block(self, start: int, stop: int, lengths: np.ndarray) -> Segment:
        """Cells start..stop-1 as one segment (one cell: its own plain segment). The block
        gets copies of the lists, which go on to gather the next cells (or, ``handed_whole``,
        the lists themselves when it takes every cell)."""
        bases = self.bases
        froms = [at for at, _ in bases]
        first = bisect_right(froms, start) - 1
        last = bisect_right(froms, stop - 1, first)
        runs = [(max(at - start, 0), base) for at, base in bases[first:last]]
        refs: Sequence[str]
        if self.numbered is not None:
            refs = self.numbered[start:stop]
        else:
            refs = self.refs[start:stop]
            if self.ref_rows:
                refs = JoinedRefs(refs, self.ref_rows[start:stop])
        heads = self.heads
        header_rows = [
            (max(at - start, 0), "\t".join(heads[index]))
            for index, (at, _) in enumerate(bases[first:last], first)
        ]
        if stop - start == 1 and not names_other_columns(header_rows[-1][1], self.headers[start]):
            locations = CellLocations(runs, self.columns[start:stop], self.rows[start:stop], refs)
            return Segment(self.texts[start], locations[0], self.headers[start])
        if self.handed_whole and not start and stop == len(self.texts):
            texts, headers, columns, rows = self._hand_over()
        else:
            texts, headers = self.texts[start:stop], self.headers[start:stop]
            columns, rows = self.columns[start:stop], self.rows[start:stop]
        locations = CellLocations(runs, columns, rows, refs)
        return packed(texts, headers, locations, lengths[start:stop], header_rows, lazy=True)

    def _hand_over(self) -> tuple[list[str], list[str], list[str], MutableSequence[int]]:
        """Every cell's text, header, column and row, for one block: the lists themselves,
        not copies (copied, then emptied, they cost a tenth of a CSV file's extraction), and
        new lists in their place."""
        taken = self.texts, self.headers, self.columns, self.rows
        self.texts, self.headers = [], []
        self.columns = [] if self.columns_apart else self.headers
        self.rows = self.rows[:0]  # (of its own kind: an array stays one)
        return taken

    def _keep(self, start: int, lengths: np.ndarray) -> None:
        """Drop the cells already emitted (in place: the readers hold the lists)."""
        if not start:
            return
        if self.lengths:
            self.lengths = [lengths[start:]]
        del self.texts[:start]
        del self.headers[:start]
        if self.columns_apart:
            del self.columns[:start]
        del self.rows[:start]
        del self.refs[:start]
        del self.ref_rows[:start]
        if self.numbered is not None:
            del self.numbered[:start]
        self.size = int(lengths[start:].sum()) + GAP * len(self.texts)
        bases = self.bases
        current = bisect_right([at for at, _ in bases], start) - 1
        self.bases = [(0, bases[current][1])] + [
            (at - start, base) for at, base in bases if at > start
        ]
        self.heads = self.heads[current:]
        self.noted -= start
