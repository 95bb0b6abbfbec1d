"""The xlsx reader tells the packer each block's distinct headers (``TablePacker.
tell_headers``) rather than the packer making them from every cell's: every block it hands
over is the same, its header rows (the headers' order included) too, as when nothing is told."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, extract_bytes, xlsx
from dlp.extract.celltable import TablePacker
from dlp.model import Location, Segment
from tests.extract import makers

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
