"""Cells remembered by header and text (``dlp.export.cellmemo``) give exactly what scanning them
gives: the same findings in the same order, counts, previews and their locations, the same stop
at the finding limit, from one file to the next; and no value found outlives its file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export.cellmemo import CellMemo, usable
from dlp.export.files import walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import _GATES, Task, _Scan, config_key, scanner_for
from dlp.extract import Limits, extract_bytes
from dlp.extract.celltable import CellLocations
from dlp.model import CellTable, Location, Segment, Unscannable
from tests.export.tasks import file_task
from tests.extract.makers import xlsx

TIMINGS = {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr"}
CELLS = [
    "4827163950",
    "536-22-1234",
    "Ana Lopez",
    "Kim",
    "B+",
    "A",
    "",
    "03/14/2011",
    "(559) 327-4410",
    "maria@gmail.com",
    "12",
    "310",
    "has an IEP",
    "suspension",
]
# "ID" is a column label: it counts only in a table whose header row names a student column.
HEADERS = ["Student ID", "Name", "Teacher", "DOB", "Grade", "Room", "ID", "Score", "Phone"]


class _Made(_Scan):
    """The worker making every finding, not only those it shows (``PreviewCut``)."""

    def _previews_left(self) -> int | None:
        return None


def _result(task: Task, config, items: list[Segment | Unscannable], memo: CellMemo | None):
    kind = _Scan if memo is not None else _Made
    scan = kind(task, scanner_for(config), _GATES[config_key(config)], Limits(), memo)
    try:
        scan._scan(iter(items))
        result = scan._result("x")
    finally:
        if memo is not None:
            memo.forget_findings()
    return {k: v for k, v in dataclasses.asdict(result).items() if k not in TIMINGS}


def _table(headers: list[str], rows: list[list[str]], name: str) -> list[Segment | Unscannable]:
    data = "\r\n".join(",".join(row) for row in [headers, *rows]).encode()
    return list(extract_bytes(data, name, Location((name,)), Limits()))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(
        st.tuples(
            st.lists(st.sampled_from(HEADERS), min_size=2, max_size=5),
            st.lists(
                st.lists(st.sampled_from(CELLS), min_size=5, max_size=5),
                min_size=1,
                max_size=400,
            ),
        ),
        min_size=1,
        max_size=4,
    ),
    max_findings=st.sampled_from([0, 1, 60, 500]),
)
def test_remembered_cells_give_what_scanned_ones_do(config, files, max_findings):
    memo = CellMemo(scanner_for(config))  # one for every file, as a worker keeps it
    for number, (headers, rows) in enumerate(files):
        name = f"roster{number}.csv"
        items = _table(headers, [row[: len(headers)] for row in rows], name)
        task = file_task(name, max_findings)
        assert _result(task, config, items, memo) == _result(task, config, items, None)


def test_a_gradebook_in_two_files_reads_the_same(tmp_path: Path, config):
    rows = [["Student ID", "Name", "DOB", "Grade", "Teacher", "Notes"]]
    rows += [
        [
            str(4827163950 + n * 7919),
            f"Student {n}",
            f"03/{n % 28 + 1:02d}/2011",
            ["B+", "A", "C-"][n % 3],
            ["Kim", "Thomas", "Davis"][n % 3],
            "IEP review" if n % 7 == 0 else "",
        ]
        for n in range(300)
    ]
    drive = tmp_path / "drive"
    drive.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (drive / name).write_bytes(xlsx({"Period 3": rows, "Period 4": rows}))
    scanner = scanner_for(config)
    memo = CellMemo(scanner)
    for file in walk_export(drive):
        task = Task(file, FileMeta(), "unknown")
        gate = _GATES[config_key(config)]
        remembered = dataclasses.asdict(_Scan(task, scanner, gate, Limits(), memo).run())
        scanned = dataclasses.asdict(_Made(task, scanner, gate, Limits(), None).run())
        for field in TIMINGS:
            del remembered[field], scanned[field]
        assert remembered == scanned
        assert remembered["counts"]["GRADE_VALUE"] == 600
        # What the file held is gone with it; what held nothing stays for the next one.
        held = [held for column in memo.columns.values() for held in column.values()]
        assert held and memo.size == len(held) and not any(held)


def test_a_batch_under_a_column_label_is_scanned_as_it_was(config):
    memo = CellMemo(scanner_for(config))
    assert memo.labelled(["Name", "ID", "Score"])
    assert memo.labelled(["id #"])
    assert not memo.labelled(["Student ID", "Grade", "Room"])


def test_only_plainly_located_cells_are_remembered():
    here = Location(("grades.xlsx",), sheet="Period 3")
    plain = CellLocations([(0, here)], ["A"], refs=["A1"])
    assert usable(CellTable(here, [0], [1], ["A"], locations=plain))
    for odd in (
        Location(("scan.pdf",), part="ocr 61%"),
        Location(("IEP_Ana Lopez.xlsx",), part="file name"),
    ):
        located = CellLocations([(0, here), (1, odd)], ["A", "A"], refs=["A1", "A2"])
        assert not usable(CellTable(here, [0, 2], [1, 3], ["A", "A"], locations=located))
    listed = CellTable(here, [0], [1], ["A"], locations=[here])
    assert not usable(listed)  # locations given one by one: not known to be plain
