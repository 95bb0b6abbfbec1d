"""Cells under a header whose cells the gate nearly always passes are taken as candidates
without it (``dlp.export.denseheaders``): the worker finds exactly what it finds gating every
cell, the same findings in the same order, counts, previews and the stop at the finding
limit."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export import denseheaders, worker
from dlp.export.cellmemo import CellMemo
from dlp.export.denseheaders import DenseHeaders
from dlp.export.worker import _GATES, Task, _Scan, config_key, scanner_for
from dlp.extract import Limits, extract_bytes
from dlp.model import Location, Segment, Unscannable
from tests.export.tasks import file_task

TIMINGS = {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr"}
HEADERS = ["Student ID", "Name", "DOB", "Notes", ""]
CELLS = [
    "4827163950",
    "Ana Lopez",
    "03/14/2011",
    "(559) 327-4410",
    "536-22-1234",
    "B+",
    "12",
    "room",
    "",
    "suspension",
    "maria@gmail.com",
    "x" * 2100,
]

# Cells the memo has not seen (an ID, a phone number) come to the gate; the others repeat.
CELL = st.one_of(
    st.sampled_from(CELLS),
    st.integers(10**9, 10**10 - 1).map(str),
    st.integers(0, 9999).map(lambda n: f"(559) 327-{n:04d}"),
    st.integers(0, 9999).map(lambda n: f"note {n}"),
)


class _Counting(_Scan):
    """The worker, counting the texts the gate left out."""

    taken = 0

    def _marks_of(self, texts: list[str], headers: list[str]) -> list[bool]:
        if texts and not self.ungated:
            type(self).taken += sum(map(self.gate.dense._taken.__contains__, headers))
        return super()._marks_of(texts, headers)


def _result(config, items: list[Segment | Unscannable], task: Task, dense: bool) -> dict:
    """Scanned with a fresh memo and fresh dense headers; ``dense``: every header is taken
    once the gate has judged one of its cells a candidate, else never."""
    scanner = scanner_for(config)
    gate = _GATES[config_key(config)]
    kept = gate.dense, worker._DENSE_SHARE, denseheaders.SAMPLE, denseheaders.SHARE
    gate.dense = DenseHeaders()
    worker._DENSE_SHARE = 2.0  # no batch scanned ungated: the gate would not be asked
    denseheaders.SAMPLE, denseheaders.SHARE = (1, 0.5) if dense else (1, 2.0)
    try:
        scan = _Counting(task, scanner, gate, Limits(), CellMemo(scanner))
        scan._scan(iter(items))
        result = scan._result("x")
    finally:
        gate.dense, worker._DENSE_SHARE, denseheaders.SAMPLE, denseheaders.SHARE = kept
    return {k: v for k, v in dataclasses.asdict(result).items() if k not in TIMINGS}


def _roster(headers: list[str], rows: list[list[str]]) -> list[Segment | Unscannable]:
    data = "\r\n".join(",".join(row[: len(headers)]) for row in [headers, *rows]).encode()
    return list(extract_bytes(data, "roster.csv", Location(("roster.csv",)), Limits()))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=st.lists(st.sampled_from(HEADERS), min_size=2, max_size=4, unique=True),
    rows=st.lists(st.lists(CELL, min_size=4, max_size=4), max_size=900),
    max_findings=st.sampled_from([0, 1, 60, 500]),
)
def test_dense_headers_find_what_the_gate_does(config, headers, rows, max_findings):
    items = _roster(headers, rows)
    task = file_task("roster.csv", max_findings)
    assert _result(config, items, task, dense=True) == _result(config, items, task, dense=False)


def test_a_roster_of_ids_leaves_the_gate_out_and_finds_the_same(config):
    headers = ["Student ID", "DOB", "Notes"]
    rows = [
        [str(4827163950 + n * 7919), f"03/{n % 28 + 1:02d}/2011", "" if n % 3 else "room"]
        for n in range(2000)
    ]
    items = _roster(headers, rows)
    task = file_task("roster.csv", 0)
    _Counting.taken = 0
    dense = _result(config, items, task, dense=True)
    assert _Counting.taken > 1000
    _Counting.taken = 0
    assert dense == _result(config, items, task, dense=False)
    assert _Counting.taken == 0
    assert dense["findings_total"] >= 2000


def test_a_header_is_taken_for_a_run_then_judged_again():
    dense = DenseHeaders()
    assert dense.taken(["ID"]) is None
    dense.judged(["ID"] * (denseheaders.SAMPLE - 1) + ["Notes"], [True] * denseheaders.SAMPLE)
    assert dense.taken(["ID", "Notes"]) is None  # not judged on enough cells yet
    dense.judged(["ID", "Notes"], [True, False])
    assert dense.taken(["ID", "Notes", "ID"]) == [True, False, True]
    assert dense.taken(["ID"] * (denseheaders.RUN - 2)) == [True] * (denseheaders.RUN - 2)
    assert dense.taken(["ID"]) is None  # its run is over: judged again
