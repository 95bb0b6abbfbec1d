"""After a file, the memo holds no cell that held a finding, and counts exactly the cells it
holds, whatever was kept (twice, under any header, past its size) before."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export import cellmemo
from dlp.export.cellmemo import NOTHING, CellMemo
from dlp.export.worker import scanner_for

_CELL = st.tuples(
    st.sampled_from(["Name", "Room", ""]), st.sampled_from(["A", "B", "310", "x" * 70])
)
# What a cell holds follows from its header and text, as a scan's does.
_HELD = {"A": (), "B": ("PERSON",), "310": ("PERSON", "PHONE_NUMBER"), "x" * 70: ()}


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(st.lists(_CELL, max_size=6), max_size=3), max_size=4))
def test_forgets_every_finding_and_counts_what_it_holds(config, files, monkeypatch):
    monkeypatch.setattr(cellmemo, "MAX_CELLS", 5)  # (starts over now and then)
    memo = CellMemo(scanner_for(config))
    for batches in files:
        for cells in batches:
            memo.keep(
                [header for header, _ in cells],
                [text for _, text in cells],
                (
                    (index, _HELD[text] if header else ())
                    for index, (header, text) in enumerate(cells)
                ),
            )
        memo.forget_findings()
        assert all(held is NOTHING for column in memo.columns.values() for held in column.values())
        assert memo.size == sum(map(len, memo.columns.values()))
        for header, column in memo.columns.items():
            assert memo.nothing[header] == set(column)
