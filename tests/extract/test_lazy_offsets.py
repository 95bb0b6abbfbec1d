"""A reader's block (``packed(lazy=True)``) makes its offsets from its lengths only when
they are read: the same offsets as the eager table's, whichever is read first."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract.celltable import CellLocations, TextCells, packed
from dlp.model import Location


@settings(max_examples=200)
@given(
    texts=st.lists(st.text("ab\n1", max_size=9), min_size=1, max_size=30),
    ends_first=st.booleans(),
)
def test_lazy_offsets_are_the_eager_ones(texts: list[str], ends_first: bool) -> None:
    headers = ["h"] * len(texts)
    locations = CellLocations([(0, Location(path=("a.xlsx",)))], [""] * len(texts))
    eager = packed(texts, headers, locations)
    lazy = packed(list(texts), list(headers), locations, lazy=True)
    cells, table = lazy.cells, eager.cells
    assert isinstance(cells, TextCells) and table is not None
    if ends_first:
        assert cells.ends == table.ends
        assert cells.starts == table.starts
    else:
        assert cells.starts == table.starts
        assert cells.ends == table.ends
    assert type(cells.starts) is list and type(cells.ends) is list
    assert lazy == eager
    assert [eager.text[s:e] for s, e in zip(cells.starts, cells.ends, strict=True)] == texts
