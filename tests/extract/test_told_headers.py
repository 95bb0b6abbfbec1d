"""The xlsx reader tells the packer each block's distinct headers (``TablePacker.
tell_headers``) rather than the packer making them from every cell's: every block it hands
over is the same, its header rows (the headers' order included) too, as when nothing is told.
Its blocks take the packer's lists themselves (``handed_whole``): handed over early and
often, they still hold exactly the per-cell reader's cells."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, extract_bytes, sheetxml, xlsx
from dlp.extract.celltable import TablePacker
from dlp.extract.context import Clocks, Context
from dlp.extract.dispatch import extract_source
from dlp.model import Location, Segment
from tests.extract import makers, percell
from tests.extract.test_celltable import unfolded

# Headers that sort apart from their columns' order, an empty one and a repeated one.
HEADERS = ["Zip", "Age", "", "Name", "Age", "ssn", "B"]
CELLS = st.one_of(st.none(), st.sampled_from(["x", "Kim", "123-45-6789", "a b", "7", "zz"]))
SHEET = st.lists(st.lists(CELLS, min_size=1, max_size=len(HEADERS)), min_size=0, max_size=30).map(
    lambda rows: [HEADERS[: max(map(len, rows), default=1)], *rows]
)


def _blocks(data: bytes, first: int, tell: bool) -> list[tuple[Any, ...]]:
    """Each item the workbook's reading gives, with its header rows."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx, "FIRST", first)
        patch.setattr(sheetxml, "_HEAD", 1024)  # rows read a few at a time (see below)
        patch.setattr(sheetxml, "_BLOCK", 64)
        if not tell:
            patch.setattr(TablePacker, "tell_headers", lambda self, distinct, count: None)
        items = list(extract_bytes(data, "t.xlsx", Location(path=("t.xlsx",)), Limits()))
    out: list[tuple[Any, ...]] = []
    for item in items:
        assert isinstance(item, Segment)
        cells = item.cells
        rows = list(cells.header_rows) if cells is not None else None
        out.append((item, rows))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(SHEET, min_size=1, max_size=3), st.sampled_from([16, 64, 256, 1 << 62]))
def test_told_headers_hand_over_the_same_blocks(sheets: list[list[list[Any]]], first: int) -> None:
    data = makers.xlsx({f"S{n}": rows for n, rows in enumerate(sheets)})
    assert _blocks(data, first, tell=True) == _blocks(data, first, tell=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(SHEET, min_size=1, max_size=3), st.sampled_from([16, 64, 1 << 62]))
def test_blocks_handed_whole_hold_the_per_cell_readers_cells(
    sheets: list[list[list[Any]]], first: int
) -> None:
    data = makers.xlsx({f"S{n}": rows for n, rows in enumerate(sheets)})
    location = Location(path=("t.xlsx",))
    ctx = Context(Limits(), extract_source, Clocks())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        old = list(percell.xlsx_items(archive, location, ctx))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx, "FIRST", first)
        # Rows read a few at a time: hand-overs within a sheet, its reading going on.
        patch.setattr(sheetxml, "_HEAD", 1024)
        patch.setattr(sheetxml, "_BLOCK", 64)
        new = list(extract_bytes(data, "t.xlsx", location, Limits()))
    assert unfolded(new) == old
