"""A ``TablePacker`` whose lists are handed over whole (``handed_whole``), whose row numbers
are an ``array("q")`` and whose reader names every header it may give (``header_pool``),
as the CSV reader sets it, cuts the same blocks as a plain packer: the same texts, headers,
locations and header rows, whatever the cells and the hand-overs."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract.celltable import TablePacker
from dlp.model import Location, Segment

HEADERS = ["ID", "Name", "", "DOB"]
# (column, text) cells; the columns' headers come from HEADERS, as a CSV reader's do.
CELLS = st.lists(st.tuples(st.integers(0, 3), st.text("ab 1", max_size=12)), max_size=120)


def blocks(
    cells: list[tuple[int, str]], checks: list[bool], fast: bool, first: int
) -> list[Segment]:
    packer = TablePacker(Location(path=("r.csv",)), columns_apart=True, block=64, first=first)
    if fast:
        packer.rows = array("q")
        packer.handed_whole = True
        packer.header_pool = HEADERS
    out: list[Segment] = []
    for number, ((column, text), check) in enumerate(zip(cells, checks, strict=False), 1):
        # Through the packer's attributes every time, as a reader of ``handed_whole`` must.
        packer.texts.append(text)
        packer.headers.append(HEADERS[column])
        packer.columns.append(HEADERS[column] or f"column {column + 1}")
        packer.rows.append(number)
        packer.size += len(text) + 6
        if packer.full() or check:
            out.extend(packer.blocks())
    out.extend(packer.blocks(final=True))
    return out


def plain(segments: list[Segment]) -> list[tuple]:
    out: list[tuple] = []
    for segment in segments:
        cells = segment.cells
        if cells is None:
            out.append((segment.text, segment.location, segment.context))
            continue
        locations = [cells.location(i) for i in range(len(cells))]
        out.append(
            (
                segment.text,
                list(cells.starts),
                list(cells.ends),
                list(cells.headers),
                locations,
                [type(location.row) for location in locations],
                list(cells.header_rows),
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(CELLS, st.lists(st.booleans(), max_size=120), st.integers(1, 200))
def test_handed_whole_cuts_the_blocks_of_a_plain_packer(
    cells: list[tuple[int, str]], checks: list[bool], first: int
) -> None:
    checks = checks + [False] * (len(cells) - len(checks))
    assert plain(blocks(cells, checks, True, first)) == plain(blocks(cells, checks, False, first))
