"""The worker scans a batch's candidate cells as one packed text: its results are exactly those
of scanning each candidate alone (the way it did before), findings, their order and
locations, counts, the finding limit's stop, on generated tables and on real files."""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export.files import ExportFile, walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import _GATES, _MEMOS, Task, _Scan, config_key, scanner_for
from dlp.extract import Limits, extract_bytes
from dlp.model import Finding, Location, Segment, Unscannable, UnscannableReason
from tests.extract.makers import xlsx

# Timings differ run to run; everything else must not.
TIMINGS = {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr"}


class _OneByOne(_Scan):
    """The worker as it was: each candidate scanned alone, every finding made."""

    def _previews_left(self) -> int | None:
        return None

    def _scan_candidates(
        self, texts: list[str], contexts: list[str], locations: Sequence[Location]
    ) -> list[list[Finding]]:
        return [
            self.scanner.scan(Segment(text, location, context))
            for text, context, location in zip(texts, contexts, locations, strict=True)
        ]


def _result(kind: type[_Scan], task: Task, config, items=None) -> dict[str, object]:
    scanner = scanner_for(config)
    # The worker remembers cells (``cellmemo``) as it does in an export's scan; the old way
    # scanned every one.
    memo = _MEMOS[config_key(config)] if kind is _Scan else None
    scan = kind(task, scanner, _GATES[config_key(config)], Limits(), memo)
    if items is None:
        result = scan.run()
    else:
        scan._scan(iter(items))
        result = scan._result("x")
        if memo is not None:
            memo.forget_findings()
    fields = dataclasses.asdict(result)
    return {key: value for key, value in fields.items() if key not in TIMINGS}


CELLS = st.sampled_from(
    [
        "4827163950",
        "536-22-1234",
        "SSN 536-22-1234",
        "Ana Lopez",
        "B+",
        "",
        "03/14/2011",
        "DOB 03/14/2011",
        "has an IEP",
        "(559) 327-4410",
        "maria@gmail.com",
        "12",
        "room",
        "suspension",
    ]
    * 20
    + ["x" * 2100]
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(CELLS, min_size=2, max_size=4), min_size=50, max_size=600),
    max_findings=st.sampled_from([0, 1, 7, 60, 400]),
    around=st.booleans(),
)
def test_packed_candidates_equal_one_by_one(config, rows, max_findings, around):
    data = "\r\n".join(
        ",".join(["Student ID", "Name", "DOB", "Notes"][: len(row)] if n == 0 else row)
        for n, row in enumerate(rows)
    ).encode()
    here = Location(("roster.csv",))
    items: list[Segment | Unscannable] = list(extract_bytes(data, "roster.csv", here, Limits()))
    if around:  # plain segments, sharing one Location object, and a report among them
        items = [
            Segment("SSN 536-22-1234", here),
            Segment("Perm ID 4512345", here),
            *items,
            Unscannable(here, UnscannableReason.CORRUPT),
            Segment("call (559) 327-4410", here),
        ]
    file = ExportFile(("roster.csv",), ("roster.csv",), "/nonexistent", None, 0, 0.0)
    task = Task(file, FileMeta(), "unknown", max_findings=max_findings)
    assert _result(_Scan, task, config, items) == _result(_OneByOne, task, config, items)


def _files(folder: Path, config) -> list[Task]:
    return [Task(file, FileMeta(), "unknown") for file in walk_export(folder)]


def test_a_gradebook_reads_the_same(tmp_path, config):
    rows = [["Student ID", "Name", "DOB", "Grade", "Notes"]]
    rows += [
        [
            str(4827163950 + n * 7919),
            f"Student {n}",
            f"03/{n % 28 + 1:02d}/2011",
            "B+",
            "IEP review" if n % 7 == 0 else "",
        ]
        for n in range(400)
    ]
    (tmp_path / "drive").mkdir()
    (tmp_path / "drive" / "grades.xlsx").write_bytes(xlsx({"Period 3": rows, "Period 4": rows}))
    for task in _files(tmp_path / "drive", config):
        packed = _result(_Scan, task, config)
        assert packed == _result(_OneByOne, task, config)
        assert packed["counts"]["STUDENT_ID"] == 800  # type: ignore[index]


def test_real_spreadsheets_and_zips_read_the_same(tmp_path, config, corpus):
    # In an export's zip, as a drive export holds them: the zips among them are nested zips.
    drive = tmp_path / "drive"
    drive.mkdir()
    chosen = sorted(corpus.rglob("*.xlsx")) + sorted(corpus.rglob("*.zip"))
    with zipfile.ZipFile(drive / "export_0.zip", "w", zipfile.ZIP_DEFLATED) as export:
        for number, path in enumerate(chosen):
            export.write(path, f"Drive/{number}-{path.name}")
    tasks = _files(drive, config)
    assert len(tasks) >= 20
    found = 0
    for task in tasks:
        packed = _result(_Scan, task, config)
        assert packed == _result(_OneByOne, task, config), task.file.name
        found += packed["findings_total"]  # type: ignore[operator]
    assert found > 100  # real content, not only empty sheets


def test_candidates_that_share_a_location_object_are_told_apart(config):
    here = Location(("notes.txt",))
    items = [Segment(text, here) for text in ("SSN 536-22-1234", "x", "DOB 03/14/2011") * 5]
    file = ExportFile(("notes.txt",), ("notes.txt",), "/nonexistent", None, 0, 0.0)
    task = Task(file, FileMeta(), "unknown")
    packed = _result(_Scan, task, config, items)
    assert packed == _result(_OneByOne, task, config, items)
    assert packed["counts"] == {"US_SSN": 5, "DATE_OF_BIRTH": 5}
