"""``CellMemo.keep_cells`` leaves the memo exactly as ``keep`` of the same cells does: the
same columns, the same texts known to hold nothing, the same size and the same cells to
forget, in the same order, whether or not the memo fills up on the way."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export import cellmemo
from dlp.export.cellmemo import NOTHING, CellMemo
from dlp.export.worker import scanner_for

_HEADERS = ["Student ID", "Room", ""]
_TEXTS = ["A", "B", "310", "x" * 70, "S1234567"]
# One batch: its cells (header, text), which of them are kept, and whether they held findings.
_BATCH = st.tuples(
    st.lists(st.tuples(st.sampled_from(_HEADERS), st.sampled_from(_TEXTS)), max_size=12),
    st.data(),
)


def _state(memo: CellMemo) -> tuple[object, ...]:
    return (
        [(header, list(column.items())) for header, column in memo.columns.items()],
        {header: sorted(texts) for header, texts in memo.nothing.items()},
        memo.size,
        [id(column) for column in memo._found_in],
        list(memo._found),
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(st.lists(_BATCH, max_size=4), max_size=3),
    room=st.sampled_from([4, 9, 65_536]),
)
def test_keep_cells_is_keep(config, files, room, monkeypatch):
    monkeypatch.setattr(cellmemo, "MAX_CELLS", room)
    scanner = scanner_for(config)
    by_keep, by_cells = CellMemo(scanner), CellMemo(scanner)
    for batches in files:
        for cells, data in batches:
            headers = [header for header, _ in cells]
            texts = [text for _, text in cells]
            kept = sorted(data.draw(st.sets(st.integers(0, len(cells) - 1))) if cells else set())
            held = data.draw(st.booleans())
            found = [(("STUDENT_ID",) if held and text != "A" else ()) for text in texts]
            if held:
                by_keep.keep(headers, texts, ((index, found[index]) for index in kept))
                by_cells.keep_cells(headers, texts, kept, [found[index] for index in kept])
            else:
                by_keep.keep(headers, texts, ((index, NOTHING) for index in kept))
                by_cells.keep_cells(headers, texts, kept)
            # (the columns are each memo's own objects: compared by position, not identity)
            keep_state, cells_state = _state(by_keep), _state(by_cells)
            assert keep_state[:3] == cells_state[:3]
            assert [by_keep._found_in.index(c) for c in by_keep._found_in] == [
                by_cells._found_in.index(c) for c in by_cells._found_in
            ]
            assert keep_state[4] == cells_state[4]
        by_keep.forget_findings()
        by_cells.forget_findings()
        assert _state(by_keep)[:3] == _state(by_cells)[:3]
