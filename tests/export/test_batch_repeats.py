"""A batch's repeats (cells of the same header and text as an earlier one of the batch,
``worker._distinct``) are scanned once: the file's findings, counts, previews and their
locations, and its stop at the finding limit, are those of scanning every cell."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export.cellmemo import CellMemo
from dlp.export.worker import _GATES, _Scan, config_key, scanner_for
from dlp.extract import Limits
from tests.export.tasks import file_task
from tests.export.test_cell_memo import TIMINGS, _table

# Few values, most of them findings, so that a batch repeats them between its candidates
# and the file's previews run out inside the first batch.
VALUES = ["B+", "A", "4827163950", "(559) 327-4410", "03/14/2011", "Kim", "", "Ana Lopez"]
HEADERS = ["Grade", "Student ID", "Phone", "DOB", "Teacher", "Name", "Room"]


def _scanned(task, config, items, memo: CellMemo | None) -> dict:
    scan = _Scan(task, scanner_for(config), _GATES[config_key(config)], Limits(), memo)
    try:
        scan._scan(iter(items))
        result = scan._result("x")
    finally:
        if memo is not None:
            memo.forget_findings()
    return {k: v for k, v in dataclasses.asdict(result).items() if k not in TIMINGS}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5, unique=True),
    rows=st.lists(st.lists(st.sampled_from(VALUES), min_size=5, max_size=5), max_size=300),
    max_findings=st.sampled_from([0, 1, 24, 25, 26, 60, 500]),
)
def test_repeats_give_what_scanning_each_gives(config, headers, rows, max_findings):
    items = _table(headers, [row[: len(headers)] for row in rows], "roster.csv")
    task = file_task("roster.csv", max_findings)
    # A fresh memo: every repeat of the first batch is one of the batch, not remembered.
    assert _scanned(task, config, items, CellMemo(scanner_for(config))) == _scanned(
        task, config, items, None
    )


def test_a_first_batch_of_grades_is_scanned_once_per_grade(config):
    rows = [[str(4827163950 + 7919 * n), ["B+", "A", "C-"][n % 3]] for n in range(60)]
    items = _table(["Student ID", "Grade"], rows, "roster.csv")
    task = file_task("roster.csv", 0)
    scanned: list[int] = []
    scan = _Scan(
        task,
        scanner_for(config),
        _GATES[config_key(config)],
        Limits(),
        CellMemo(scanner_for(config)),
    )
    cut = scan._cut_candidates

    def counted(texts, contexts, preview_cut):
        scanned.append(len(texts))
        return cut(texts, contexts, preview_cut)

    scan._cut_candidates = counted  # type: ignore[method-assign]
    scan._scan(iter(items))
    assert sum(scanned) == 1 + 60 + 3  # the header row's "Student ID", every ID, each grade once
    assert scan.counts["GRADE_VALUE"] == 60
    assert _scanned(task, config, items, None)["counts"] == dict(scan.counts)
