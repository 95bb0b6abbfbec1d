"""A batch's candidates as the worker scans them: where each text of the batch comes from,
the candidates' locations, and which of their findings are made (``PreviewCut``).

Split from ``worker`` (which gates, scans and records a batch): these say only where things
are and which findings a file still shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate, repeat
from typing import overload

from dlp.export.cellmemo import Held, usable
from dlp.extract.celltable import CellLocations, LocationsByIndex
from dlp.identifiers import FILE_NAME
from dlp.model import SUBJECT_PART, CellTable, Finding, Location
from dlp.packing import Run

__all__ = ["CandidateLocations", "Owners", "PreviewCut", "remembered_before"]


class CandidateLocations(LocationsByIndex):
    """The candidates' locations: a whole segment's as it is, a cell's made when first asked
    for (by the scan, for a finding in it) and kept, so that each cell has one object."""

    __slots__ = ("_made", "_tables", "_where")

    def __init__(self) -> None:
        self._tables: list[CellTable | None] = []
        self._where: list[Location | int] = []
        self._made: list[Location | None] = []

    def add(self, location: Location) -> None:
        self._tables.append(None)
        self._where.append(location)
        self._made.append(location)

    def add_cells(self, cells: CellTable, positions: list[int]) -> None:
        self._tables += repeat(cells, len(positions))
        self._where += positions
        # A table that holds its cells' locations outright may hold one object twice: those
        # are taken now, so that ``shared`` sees them.
        if fresh_locations(cells):
            self._made += repeat(None, len(positions))
        else:
            self._made += map(cells.location, positions)

    def __len__(self) -> int:
        return len(self._made)

    def location_at(self, index: int) -> Location:
        made = self._made[index]
        if made is None:
            cells = self._tables[index]
            position = self._where[index]
            assert cells is not None and isinstance(position, int)
            made = self._made[index] = cells.location(position)
        return made

    def shared(self) -> bool:
        """Whether two candidates share one location object (only those made up front can)."""
        made = [id(location) for location in self._made if location is not None]
        return len(set(made)) < len(made)

    def owners(self) -> dict[int, int]:
        """{id of a location made so far: its candidate's index}."""
        return {id(location): i for i, location in enumerate(self._made) if location is not None}


def fresh_locations(cells: CellTable) -> bool:
    """Whether ``cells.location`` makes a new object on every call."""
    return not cells.locations or type(cells.locations) is CellLocations


class Owners:
    """Which piece of a batch each of its joined texts comes from, and where that text is:
    found by bisection in the pieces' first texts (a batch is a few pieces of hundreds of
    texts, and most batches never ask)."""

    __slots__ = ("firsts", "pieces")

    def __init__(self, pieces: list[Run]) -> None:
        self.pieces = pieces
        self.firsts: list[int] = []
        at = 0
        for _, lo, hi in pieces:
            self.firsts.append(at)
            at += 1 if lo < 0 else hi - lo

    def spans(self, count: int) -> list[tuple[int, int]]:
        """Each piece's texts as (first, stop), of the batch's ``count``."""
        return list(zip(self.firsts, [*self.firsts[1:], count], strict=True))

    def _piece_of(self, index: int) -> int:
        return bisect_right(self.firsts, index) - 1

    def unusable(self) -> set[int]:
        """The texts the memo may not answer for: a whole segment, or a cell of a table
        located by OCR, a text position or a name (``cellmemo.usable``)."""
        never: set[int] = set()
        for number, (segment, lo, hi) in enumerate(self.pieces):
            cells = segment.cells
            if lo < 0 or cells is None or not usable(cells):
                first = self.firsts[number]
                never.update(range(first, first + (1 if lo < 0 else hi - lo)))
        return never

    def locations(self, indexes: list[int]) -> CandidateLocations:
        """The locations of the texts at ``indexes``, in order (a cell's made when asked
        for): a piece's cells added together."""
        locations = CandidateLocations()
        for number, run in self._by_piece(indexes):
            segment, lo, _ = self.pieces[number]
            cells = segment.cells
            if lo < 0 or cells is None:
                for _ in run:
                    locations.add(segment.location)
            else:
                shift = lo - self.firsts[number]
                locations.add_cells(cells, [index + shift for index in run])
        return locations

    def _by_piece(self, indexes: list[int]) -> list[tuple[int, list[int]]]:
        """``indexes`` (ascending) cut into the runs that fall in one piece each."""
        runs: list[tuple[int, list[int]]] = []
        at = 0
        while at < len(indexes):
            number = self._piece_of(indexes[at])
            if number + 1 < len(self.firsts):
                stop = bisect_left(indexes, self.firsts[number + 1], at)
            else:
                stop = len(indexes)
            runs.append((number, indexes[at:stop]))
            at = stop
        return runs

    def location_of(self, index: int) -> Location:
        number = self._piece_of(index)
        segment, lo, _ = self.pieces[number]
        cells = segment.cells
        if lo < 0 or cells is None:
            return segment.location
        return cells.location(lo + index - self.firsts[number])

    def plain(self, indexes: list[int]) -> list[bool]:
        """For each text at ``indexes`` (ascending): whether it is a cell of a plainly
        located table (``cellmemo.usable``), which may be scanned under a stand-in location."""
        flags: list[bool] = []
        for number, run in self._by_piece(indexes):
            segment, lo, _ = self.pieces[number]
            cells = segment.cells
            flags += repeat(lo >= 0 and cells is not None and usable(cells), len(run))
        return flags


# Locations that stand in for plainly located cells whose findings are only counted, one
# per place in a batch's candidates (``PreviewCut``); never in a finding.
_STAND_INS: list[Location] = []
_NAME_PARTS = (FILE_NAME, SUBJECT_PART)


def stand_in(number: int) -> Location:
    while len(_STAND_INS) <= number:
        _STAND_INS.append(Location())
    return _STAND_INS[number]


class PreviewCut(LocationsByIndex):
    """The candidates' locations for their scan, and its ``take``: which findings are made.

    A file shows its first ``MAX_PREVIEWS`` findings; the rest are only counted, and the
    masked preview, digest and cell location of a finding are most of what it costs. So a
    candidate's findings are made while a preview may still be left for it (``left``, less
    the findings of remembered cells before it, ``before[n]``, and those made so far), all
    of them, whichever of the cell's comes first; past that, ``take`` refuses each one and
    keeps its entity type in the candidate's list (``lists``). A name part's findings are
    always made: they mask the name.

    A refused candidate that is a cell of a plainly located table (``plain``) is scanned
    under a stand-in location: the scan reads a cell's location only for OCR and a text
    file's lines, which such a cell has neither of, and no finding is made in it. Whether a
    candidate gets its own location or a stand-in is asked before ``take`` is, with the
    same rule: the scan asks each match's location, in order, then ``take``.
    """

    __slots__ = (
        "accepted",
        "before",
        "closed",
        "counts",
        "echoed",
        "echoes",
        "fixed",
        "left",
        "lists",
        "open",
        "owner",
        "plain",
        "read",
        "real",
        "upto",
    )

    def __init__(
        self,
        real: CandidateLocations,
        plain: list[bool],
        before: list[int],
        left: int,
        echoes: Sequence[tuple[int, int]] = (),
    ) -> None:
        self.real = real
        self.plain = plain
        self.before = before
        self.left = left
        self.accepted = 0
        self.open = -1  # the candidate whose findings are being made
        self.lists: list[list[Finding | str]] = [[] for _ in plain]
        self.owner: dict[int, int] = {}
        # Cells of the batch that repeat a candidate's header and text (``worker``'s
        # ``_distinct``): not scanned, but they hold what it holds, and a preview is left for
        # a later candidate only after theirs. As (the first candidate after the repeat, the
        # candidate it repeats), in order; ``counts``: each candidate's findings so far.
        self.echoes = echoes
        self.counts = [0] * len(plain) if echoes else None
        self.read = 0  # echoes counted into ``echoed`` so far
        self.echoed = 0
        self.upto = 0
        # The first candidate found with no preview left for it (``_makes``; past the last
        # while none was): none after it gets one either, since a later candidate has at
        # least as many findings before it. Most of a roster's findings come past it, and
        # are refused here in one call each (``__getitem__``, ``take``).
        self.closed = len(plain)
        self.fixed: list[Location] = []  # each candidate's location, once ``settled``
        if plain:
            stand_in(len(plain) - 1)  # (then ``_STAND_INS[n]`` is there for every candidate)

    def __len__(self) -> int:
        return len(self.plain)

    @overload
    def __getitem__(self, index: int) -> Location: ...

    @overload
    def __getitem__(self, index: slice) -> list[Location]: ...

    def __getitem__(self, index: int | slice) -> Location | list[Location]:
        """``location_at`` of a candidate past ``closed`` in one call (the scan asks once
        per match); any other index as ``LocationsByIndex`` reads it."""
        if (
            type(index) is int
            and index >= self.closed
            and index != self.open
            and index < len(self.plain)
            and self.plain[index]
        ):
            location = _STAND_INS[index]
            self.owner[id(location)] = index
            return location
        return LocationsByIndex.__getitem__(self, index)

    def location_at(self, index: int) -> Location:
        location = (
            self.real[index] if self._makes(index) or not self.plain[index] else stand_in(index)
        )
        self.owner[id(location)] = index
        return location

    def settled(self) -> list[Location] | None:
        """Where no preview is left at all (every finding of the batch only counted, a name
        part's aside), each candidate's location is known before the scan: a stand-in for
        a plainly located cell, its own for any other. Then as a list (the scan reads one
        per finding, and a list's item is no call of ours), with ``owner`` filled in for
        ``take``; None while a preview may still be left."""
        if self.left > 0:
            return None
        locations = [
            stand_in(number) if plain else self.real[number]
            for number, plain in enumerate(self.plain)
        ]
        self.owner = {id(location): number for number, location in enumerate(locations)}
        self.fixed = locations
        return locations

    def _makes(self, number: int) -> bool:
        if number == self.open:
            return True
        if number >= self.closed:
            return False
        ahead = self.left - self.before[number] - self.accepted
        if (ahead - self._echoed(number) if self.echoes else ahead) > 0:
            return True
        self.closed = number
        return False

    def _echoed(self, number: int) -> int:
        """The findings of the repeats before candidate ``number``. The scan asks in the
        text's order, so a repeat's candidate (always before it) has all its findings by
        then; asked out of order, the sum starts over."""
        echoes, counts = self.echoes, self.counts
        assert counts is not None
        if number < self.upto:
            self.read = self.echoed = 0
        self.upto = number
        while self.read < len(echoes) and echoes[self.read][0] <= number:
            self.echoed += counts[echoes[self.read][1]]
            self.read += 1
        return self.echoed

    def take(self, entity_type: str, location: Location) -> bool:
        number = self.owner[id(location)]
        if number >= self.closed and number != self.open and location.part not in _NAME_PARTS:
            # ``take_for``'s refusal, past ``closed`` (``_makes`` is false there).
            if self.counts is not None:
                self.counts[number] += 1
            self.lists[number].append(entity_type)
            return False
        return self.take_for(number, entity_type, location)

    def take_settled(self, entity_type: str, location: Location) -> bool:
        """``take`` once ``settled``: with no preview left, ``_makes`` holds only for the
        candidate whose findings are being made (``open``), and the findings counted so far
        (``counts``) can no longer change that."""
        number = self.owner[id(location)]
        if number == self.open or location.part in _NAME_PARTS:
            self.open = number
            self.accepted += 1
            return True
        self.lists[number].append(entity_type)
        return False

    def take_cell(self, entity_type: str, number: int) -> Location | None:
        """``Scanner.scan``'s ``take_cell``: what it did with ``take`` in two calls, the
        candidate's location (``self[number]``) and then ``take`` of it, in one; the
        location when the finding is made, else None. (A candidate's location is its own
        object, so ``take``'s ``owner`` of it is ``number``.)"""
        location = self[number]
        if number >= self.closed and number != self.open and location.part not in _NAME_PARTS:
            # (``take``'s refusal past ``closed``)
            if self.counts is not None:
                self.counts[number] += 1
            self.lists[number].append(entity_type)
            return None
        return location if self.take_for(number, entity_type, location) else None

    def take_cell_settled(self, entity_type: str, number: int) -> Location | None:
        """``take_cell`` once ``settled`` (``take_settled``, on the location it fixed)."""
        location = self.fixed[number]
        if number == self.open or location.part in _NAME_PARTS:
            self.open = number
            self.accepted += 1
            return location
        self.lists[number].append(entity_type)
        return None

    def take_for(self, number: int, entity_type: str, location: Location) -> bool:
        if self.counts is not None:
            self.counts[number] += 1
        if self._makes(number) or location.part in _NAME_PARTS:
            self.open = number
            self.accepted += 1
            return True
        self.lists[number].append(entity_type)
        return False


def remembered_before(known: list[Held | None], candidates: list[int]) -> list[int] | None:
    """For each candidate, how many findings the remembered cells before it hold (None:
    none at all)."""
    if not any(known):
        return None
    counts = list(accumulate(len(held) if held else 0 for held in known))
    return [counts[index - 1] if index else 0 for index in candidates]
