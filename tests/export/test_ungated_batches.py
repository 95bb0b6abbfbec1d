"""Batches scanned without the gate, after one where nearly every cell was a candidate, find
exactly what gated batches find: the same findings, in the same order, the same counts and
the same stop at the finding limit."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export import worker
from dlp.export.worker import _GATES, Task, _Scan, config_key, scanner_for
from dlp.extract import Limits, extract_bytes
from dlp.model import Location, Segment, Unscannable
from tests.export.tasks import file_task

TIMINGS = {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr"}
DENSE = ["4827163950", "Ana Lopez", "03/14/2011", "(559) 327-4410", "536-22-1234"]
HEADERS = ["Student ID", "Name", "DOB", "Phone", "SSN"]
SPARSE = ["B+", "12", "room", "", "suspension", "maria@gmail.com", "x" * 2100]


class _Counting(_Scan):
    """The worker, counting the batches it scanned without the gate."""

    skipped = 0

    def _scan_batch(self, batch: worker._Batch) -> None:
        if self.ungated and batch.count:
            type(self).skipped += 1
        super()._scan_batch(batch)


def _result(task: Task, config, items: list[Segment | Unscannable], gated: bool) -> dict:
    share = worker._DENSE_SHARE
    worker._DENSE_SHARE = 2.0 if gated else share  # 2.0: no batch is ever dense enough
    try:
        scan = _Counting(task, scanner_for(config), _GATES[config_key(config)], Limits())
        scan._scan(iter(items))
        result = scan._result("x")
    finally:
        worker._DENSE_SHARE = share
    return {k: v for k, v in dataclasses.asdict(result).items() if k not in TIMINGS}


def _roster(rows: list[list[str]]) -> list[Segment | Unscannable]:
    data = "\r\n".join(
        ",".join(HEADERS[: len(row)] if n == 0 and row[0] not in HEADERS else row)
        for n, row in enumerate(rows)
    ).encode()
    return list(extract_bytes(data, "roster.csv", Location(("roster.csv",)), Limits()))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(st.sampled_from(DENSE * 6 + SPARSE), min_size=2, max_size=5),
        min_size=200,
        max_size=900,
    ),
    max_findings=st.sampled_from([0, 1, 60, 500]),
)
def test_ungated_batches_find_what_gated_ones_do(config, rows, max_findings):
    items = _roster(rows)
    task = file_task("roster.csv", max_findings)
    assert _result(task, config, items, gated=False) == _result(task, config, items, gated=True)


@pytest.mark.parametrize("max_findings", [0, 1500])
def test_a_long_roster_skips_the_gate_and_finds_the_same(config, max_findings):
    rows = [["Student ID", "DOB", "Phone"]] + [
        [str(4827163950 + n * 7919), f"03/{n % 28 + 1:02d}/2011", f"(559) 327-{n % 9000 + 1000}"]
        for n in range(3000)
    ]
    items = _roster(rows)
    task = file_task("roster.csv", max_findings)
    _Counting.skipped = 0
    ungated = _result(task, config, items, gated=False)
    assert _Counting.skipped > 0
    _Counting.skipped = 0
    assert ungated == _result(task, config, items, gated=True)
    assert _Counting.skipped == 0
    assert ungated["findings_total"] >= (max_findings or 3000)
