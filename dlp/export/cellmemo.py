"""What a cell held, remembered by its text and header: a sheet repeats its cells.

A roster's grade column holds seven values in a thousand rows, its teacher column a dozen
names, a schedule's room column the same rooms in every file. The scan of a cell alone depends
on its text and its header only (the header is its context; ``dlp.export.batching`` and
``celltable.packed`` hold a packed scan to each cell's own), so a cell seen before needs neither
the gate nor the scan again: its findings are those of the first one, in its own location.

Two things would break that, and the memo stays out of their way:

- A packed scan gives a cell under a column-label header ("ID") the label as context only in
  a table whose header row (every header of the packed scan) names a student-record column
  (``ContextRule.column_label``): there a cell's findings depend on the other cells scanned
  with it. A batch that holds a cell under such a header is scanned without the memo, exactly
  as before.
- A location can change a finding: text read by OCR lowers its score, a text file's findings
  carry their line. Only cells of tables whose locations carry neither are remembered
  (``usable``), and a file's name parts never (they mask the names they are in).

What it keeps: cells that held nothing, across files (as the gate keeps short texts' context
phrases); cells that held findings, for the file being scanned only (``forget_findings``), so
that no value found in one file outlives that file's scan. Short texts only, and at most
``MAX_CELLS`` of them (then it starts over).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat

from dlp.detect.text_index import skeleton_words
from dlp.engine import Scanner
from dlp.extract.celltable import CellLocations
from dlp.extract.ocrmark import ocr_confidence
from dlp.identifiers import FILE_NAME
from dlp.model import SUBJECT_PART, CellTable, Finding, Location

MAX_CELLS = 65_536
MAX_CHARS = 64  # a longer cell is rarely repeated: scanned every time, never kept
# The longest row ``rows_of`` looks for (a wider table is looked up cell by cell).
MAX_ROW = 64
NOTHING: Held = ()

# A cell's findings; once a file's previews are all taken, only their entity types (a name
# part's findings aside, which are never remembered).
Held = tuple[Finding | str, ...]
# {text: what a cell of that text held}, for one header.
Column = dict[str, Held]
# Texts of a batch as tables' rows (``rows_of``), each run of them as (first, lead, stop,
# row): texts first..lead-1 under one header (a table's header row, under none, or a row's
# last cells), then texts lead..stop-1 under ``row``'s headers over and over.
Rows = list[tuple[int, int, int, list[str]]]
# What the cells of an unknown header look up in (nothing): never written to.
_UNKNOWN: Column = {}
# What ``lookup`` answers for a text it does not know: never kept, and true where NOTHING is
# false, so that one ``any`` tells a batch whose every text is known to hold nothing.
UNKNOWN: Held = ("(not known)",)


class CellMemo:
    """{header: {text: the findings of a cell with that header and text, scanned alone}}:
    by header first, so that a cell is looked up by its text alone (no key made per cell)."""

    def __init__(self, scanner: Scanner) -> None:
        self.columns: dict[str, Column] = {}
        # {header: the texts of its column that held nothing}: the same cells as the columns'
        # NOTHING entries, as sets, which tell whether a column's cells are all among them
        # in one C loop (``knows_nothing``).
        self.nothing: dict[str, set[str]] = {}
        self.size = 0
        # The cells with findings, forgotten after a file: each one's column and text.
        self._found_in: list[Column] = []
        self._found: list[str] = []
        self._labels = _column_labels(scanner)
        self._labelled: dict[str, bool] = {}

    def lookup(self, headers: Iterable[str], texts: Iterable[str]) -> list[Held | None]:
        """Each text's findings under its header, ``UNKNOWN`` where it is not known: in one
        pass, with no list of the columns between (a batch is hundreds of cells, nearly all
        known). None is the caller's, for what it has to scan."""
        columns = map(self.columns.get, headers, repeat(_UNKNOWN))
        return list(map(dict.get, columns, texts, repeat(UNKNOWN)))

    def knows_nothing(self, headers: list[str], texts: list[str], rows: Rows) -> bool:
        """Whether every text is known to hold nothing under its header, for texts read as
        ``rows`` (``rows_of``): column by column, each a slice checked against its set."""
        nothing = self.nothing
        for first, lead, stop, row in rows:
            for index in range(first, lead):
                held = nothing.get(headers[index])
                if held is None or texts[index] not in held:
                    return False
            width = len(row)
            for at, header in enumerate(row):
                held = nothing.get(header)
                if held is None or not held.issuperset(texts[lead + at : stop : width]):
                    return False
        return True

    def labelled(self, headers: Iterable[str]) -> bool:
        """Whether any of ``headers`` is a column label (see the module's docstring)."""
        known = self._labelled
        for header in set(headers):
            is_label = known.get(header)
            if is_label is None:
                is_label = known[header] = " ".join(skeleton_words(header)) in self._labels
            if is_label:
                return True
        return False

    def keep(
        self,
        headers: Sequence[str],
        texts: Sequence[str],
        held: Iterable[tuple[int, Sequence[Finding | str]]],
    ) -> None:
        """Remember what cells held: each (index, findings) is cell ``index`` of ``headers``
        and ``texts`` (one loop here, rather than a call per cell)."""
        columns, nothing = self.columns, self.nothing
        for index, findings in held:
            text = texts[index]
            if len(text) > MAX_CHARS:
                continue
            if self.size >= MAX_CELLS:
                columns.clear()
                nothing.clear()
                self._found_in.clear()
                self._found.clear()
                self.size = 0
            header = headers[index]
            column = columns.get(header)
            if column is None:
                column = columns[header] = {}
                nothing[header] = set()
            if text not in column:
                self.size += 1
            if findings:
                column[text] = tuple(findings)
                nothing[header].discard(text)
                self._found_in.append(column)
                self._found.append(text)
            else:
                column[text] = NOTHING
                nothing[header].add(text)

    def keep_cells(
        self,
        headers: Sequence[str],
        texts: Sequence[str],
        indexes: Sequence[int],
        found: Sequence[Sequence[Finding | str]] | None = None,
    ) -> None:
        """``keep`` of cells ``indexes``, each having held its item of ``found`` (None: each
        held nothing): the same entries, in one loop over plain lists. A roster's batch
        keeps a few hundred IDs, phones and birth dates, and ``keep``'s generator of pairs
        and its attribute writes per cell cost a third of it. Where the memo could fill up
        on the way, ``keep`` itself starts it over at the exact cell."""
        if found is not None and len(found) != len(indexes):
            raise ValueError("one findings list per cell")
        held: Sequence[Sequence[Finding | str]] = (
            found if found is not None else [NOTHING] * len(indexes)
        )
        if self.size + len(indexes) >= MAX_CELLS:
            self.keep(headers, texts, zip(indexes, held, strict=True))
            return
        columns, nothing = self.columns, self.nothing
        found_in, found_texts = self._found_in, self._found
        size = self.size
        for index, findings in zip(indexes, held, strict=True):
            text = texts[index]
            if len(text) > MAX_CHARS:
                continue
            header = headers[index]
            column = columns.get(header)
            if column is None:
                column = columns[header] = {}
                nothing[header] = set()
            if text not in column:
                size += 1
            if findings:
                column[text] = tuple(findings)
                nothing[header].discard(text)
                found_in.append(column)
                found_texts.append(text)
            else:
                column[text] = NOTHING
                nothing[header].add(text)
        self.size = size

    def forget_findings(self) -> None:
        """Drop every remembered cell that held a finding (at the end of each file)."""
        # (in C: a file can hold thousands; a cell kept twice is popped once)
        popped = list(map(dict.pop, self._found_in, self._found, repeat(None)))
        self.size -= len(popped) - popped.count(None)
        self._found_in.clear()
        self._found.clear()


def rows_of(headers: list[str], spans: Iterable[tuple[int, int]]) -> Rows | None:
    """Each span (first, stop) of ``headers`` as tables' rows (see ``Rows``); None where
    one is not (an uneven table, one wider than ``MAX_ROW``)."""
    rows: Rows = []
    for first, stop in spans:
        at = first
        while at < stop:
            run = _run(headers, at, stop)
            if run is None:
                return None
            rows.append(run)
            at = run[2]
    return rows


def _run(headers: list[str], start: int, stop: int) -> tuple[int, int, int, list[str]] | None:
    """The rows from ``start``: to ``stop``, or to the next table's header row (the next
    text under no header, after this one's own)."""
    row = _row(headers, start, stop)
    if row is not None:
        return start, start, stop, row
    head = headers[start]
    lead = start + 1
    while lead < stop and lead - start < MAX_ROW and headers[lead] == head:
        lead += 1
    try:
        end = headers.index("", lead, stop)
    except ValueError:
        end = stop
    row = _row(headers, lead, end)
    return None if row is None else (start, lead, end, row)


def row_headers(headers: list[str], rows: Rows) -> list[str]:
    """Every header of texts read as ``rows``: each lead's one and each row's."""
    found: list[str] = []
    for first, lead, _, row in rows:
        if lead > first:
            found.append(headers[first])
        found += row
    return found


def _row(headers: list[str], start: int, stop: int) -> list[str] | None:
    """The row that ``headers[start:stop]`` repeats ([] for none); None: no such row."""
    count = stop - start
    if count <= 0:
        return []
    try:
        width = headers.index(headers[start], start + 1, stop) - start
    except ValueError:
        width = count
    if width > MAX_ROW:
        return None
    # The row repeated, each header that of the cell a row before it (no list of the row
    # over and over made to compare with).
    if headers[start + width : stop] != headers[start : stop - width]:
        return None
    return headers[start : start + width]


def usable(cells: CellTable) -> bool:
    """Whether every cell of the table is located without OCR, text position or name part."""
    locations = cells.locations
    if type(locations) is CellLocations:
        return all(_plain(base) for _, base in locations.bases)
    return not locations and _plain(cells.base)


def _plain(location: Location) -> bool:
    return (
        location.text_at is None
        and location.part not in (FILE_NAME, SUBJECT_PART)
        and ocr_confidence(location) is None
    )


def _column_labels(scanner: Scanner) -> frozenset[str]:
    """Every header that some recognizer reads as a column label, as ``column_label``
    compares them (by their skeleton words)."""
    return frozenset(
        " ".join(skeleton_words(word))
        for recognizer in scanner.pattern_recognizers
        for word in recognizer.context_rule.columns
    )
