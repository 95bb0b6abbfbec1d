"""A column header's context phrases are kept by the scanner across segments
(``Scanner._header_phrases``): a sheet's blocks repeat their headers. Held here to indexing
each header afresh, and a packed segment's findings to those of a scanner that never saw
its headers, also past the memo's bound (when it is emptied)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.engine import DetectionConfig, build_scanner
from dlp.model import CellTable, Location, Segment
from dlp.packing import SEPARATOR
from tests.conftest import TEST_SECRET

HEADERS = [
    "SSN", "Student ID", "DOB", "Date of birth", "Phone", "Room", "ID", "Score", "Name",
    "Parent Email", "Order #", "", "ssn dob", "Zip",
]  # fmt: skip
VALUES = [
    "536-22-1234", "4481902", "04/12/2011", "2011-04-12", "(415) 555-0134", "A+", "ana@x.org",
    "12", "95014",
]  # fmt: skip
ROWS = st.lists(
    st.tuples(st.sampled_from(HEADERS), st.sampled_from(VALUES)), min_size=1, max_size=12
)


def _segment(cells: list[tuple[str, str]]) -> Segment:
    values = [value for _, value in cells]
    starts, at = [], 0
    for value in values:
        starts.append(at)
        at += len(value) + len(SEPARATOR)
    table = CellTable(
        base=Location(("sheet.xlsx",)),
        starts=starts,
        ends=[start + len(value) for start, value in zip(starts, values, strict=True)],
        headers=[header for header, _ in cells],
    )
    return Segment(SEPARATOR.join(values), Location(("sheet.xlsx",)), "", table)


SEEN = build_scanner(DetectionConfig(secret=TEST_SECRET))  # its memo: every header met so far
FRESH = build_scanner(DetectionConfig(secret=TEST_SECRET))  # its memo: emptied before each scan


@settings(max_examples=60, deadline=None)
@given(st.lists(ROWS, min_size=1, max_size=3), st.booleans())
def test_kept_header_phrases_are_indexed_afresh(
    blocks: list[list[tuple[str, str]]], full: bool
) -> None:
    if full:  # at the bound: the next new header empties the memo
        room = 4096 - len(SEEN._by_header)
        SEEN._by_header.update((f"filler {n}", frozenset()) for n in range(room))
    for cells in blocks:
        segment = _segment(cells)
        FRESH._by_header.clear()
        assert SEEN.scan(segment) == FRESH.scan(segment)
        for header in {header for header, _ in cells}:
            assert SEEN._header_phrases(header) == frozenset(SEEN.indexer.phrases_in(header))
    assert len(SEEN._by_header) <= 4096
