"""The candidate gate never hides a finding: every short text with a finding is a candidate."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.export.batching import CandidateGate, _anchored
from dlp.export.files import walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import Task, scan_task
from dlp.extract import Limits, extract_path
from dlp.extract.celltable import cells_of
from dlp.model import Segment
from tests.extract.makers import xlsx

PIECES = [
    "536-22-1234",
    "536 22 1234",
    "SSN",
    "Student ID",
    "4827163950",
    "IEP",
    "504 plan",
    "(559) 327-4410",
    "559.327.4410",
    "maria@gmail.com",
    "DOB",
    "03/14/2011",
    "B+",
    "A-",
    "grade",
    "suspension",
    "reprimand",
    "password: hunter22!",
    "4111 1111 1111 1111",
    "123 Main St",
    "Fresno, CA 93710",
    "-",
    "\n",
    " ",
    "ID",
    "#",
    ":",
    "é",
    "\u00ad",
    "x",
]
cell = st.lists(st.sampled_from(PIECES), max_size=5).map(" ".join) | st.text(max_size=12)


@pytest.fixture(scope="module")
def gate(scanner):
    built = CandidateGate(scanner)
    assert built.enabled  # the shipped patterns have no anchors
    return built


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cell, min_size=1, max_size=12))
def test_every_cell_with_a_finding_is_a_candidate(scanner, gate, cells):
    marks = gate.candidates(cells)
    for text, candidate in zip(cells, marks, strict=True):
        if scanner.scan(Segment(text, context="Student ID")):
            assert candidate, text


HEADERS = st.sampled_from(["", "Student ID", "Room", "DOB", "Phone", "SSN", "Notes", "Perm ID"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cell, HEADERS), min_size=1, max_size=12))
def test_with_headers_every_cell_with_a_finding_is_still_a_candidate(scanner, gate, cells):
    """Context-bound patterns count a cell only with a context word in it or its header."""
    texts = [text for text, _ in cells]
    headers = [header for _, header in cells]
    marks = gate.candidates(texts, headers)
    for (text, header), candidate in zip(cells, marks, strict=True):
        if scanner.scan(Segment(text, context=header)):
            assert candidate, (text, header)


def test_a_column_of_room_numbers_is_not_scanned_but_student_ids_are(gate):
    rooms = [str(100 + n) for n in range(50)]
    assert gate.candidates(rooms, ["Room"] * 50) == [False] * 50
    assert gate.candidates(["4827163950"], ["Student ID"]) == [True]


def test_anchors_are_recognised():
    assert _anchored(r"^\d{9}", 0) and _anchored(r"\d{9}\Z", 0) and _anchored(r"(?:a|$)", 0)
    assert not _anchored(r"[$^]\d", 0) and not _anchored(r"(?<!\w)\d{9}(?!\w)", 0)


def test_spreadsheet_findings_equal_a_direct_scan(tmp_path, scanner, config):
    rows = [["Student ID", "Name", "DOB", "Grade", "Room"]]
    rows += [
        [
            str(4827163950 + n * 7919),
            f"Student {n}",
            f"03/{n % 28 + 1:02d}/2011",
            "B+",
            str(100 + n),
        ]
        for n in range(300)
    ]
    rows += [["", "", "", "", ""]] * 50 + [["Room", "Period", "Course"]] * 200
    (tmp_path / "drive").mkdir()
    (tmp_path / "drive" / "grades.xlsx").write_bytes(xlsx({"Period 3": rows}))
    direct = Counter(
        finding.entity_type
        for item in extract_path(tmp_path / "drive" / "grades.xlsx", Limits())
        if isinstance(item, Segment)
        for one in cells_of(item)  # each cell alone, as the worker scans a candidate
        for finding in scanner.scan(one)
    )
    file = next(walk_export(tmp_path / "drive"))
    result = scan_task(Task(file, FileMeta(), "unknown"), config, Limits())
    assert result.counts == dict(direct) and not result.truncated
    assert direct["STUDENT_ID"] == 300


def test_finding_limit_stops_reading_and_says_so(tmp_path, config):
    rows = [["Student ID"]] + [[str(4827163950 + n * 7919)] for n in range(3000)]
    (tmp_path / "drive").mkdir()
    (tmp_path / "drive" / "ids.xlsx").write_bytes(xlsx({"All": rows}))
    file = next(walk_export(tmp_path / "drive"))
    result = scan_task(Task(file, FileMeta(), "unknown", max_findings=100), config, Limits())
    assert result.truncated
    assert 100 <= result.counts["STUDENT_ID"] < 3000


def _scan_result(items, config, max_findings: int):
    from dlp.export.files import ExportFile
    from dlp.export.worker import _GATES, _Scan, config_key, scanner_for

    file = ExportFile(("roster.csv",), ("roster.csv",), "/nonexistent", None, 0, 0.0)
    scanner = scanner_for(config)
    scan = _Scan(
        Task(file, FileMeta(), "unknown", max_findings=max_findings),
        scanner,
        _GATES[config_key(config)],
        Limits(),
    )
    scan._scan(iter(items))
    result = scan._result("x")
    return (result.counts, result.findings, result.truncated, result.chars, result.unscannable)


# A cell too long for the gate (it ends the batch) now and then, so that batches fill up.
ROSTER_CELLS = st.sampled_from(
    [
        "4827163950",
        "536-22-1234",
        "Ana",
        "B+",
        "",
        "03/14/2011",
        "has an IEP",
        "(559) 327-4410",
        "12",
        "room",
    ]
    * 30
    + ["x" * 2100]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(ROSTER_CELLS, min_size=2, max_size=4), min_size=300, max_size=900),
    max_findings=st.sampled_from([0, 1, 5, 40, 300]),
    around=st.booleans(),
)
def test_worker_reads_a_packed_table_as_the_cells_one_by_one(config, rows, max_findings, around):
    """Same batches, same candidates, same stop at the finding limit, same counts."""
    from dlp.extract import extract_bytes
    from dlp.model import Location, Unscannable, UnscannableReason

    data = "\r\n".join(
        ",".join(["Student ID", "Name", "DOB", "Notes"][: len(row)] if n == 0 else row)
        for n, row in enumerate(rows)
    ).encode()
    items = list(extract_bytes(data, "roster.csv", Location(("roster.csv",)), Limits()))
    if around:  # plain segments and a report before and after the table
        here = Location(("roster.csv",))
        items = [
            Segment("SSN 536-22-1234", here),
            *items,
            Unscannable(here, UnscannableReason.CORRUPT),
            Segment("Perm ID 4512345", here),
        ]
    one_by_one = [
        one for item in items for one in (cells_of(item) if isinstance(item, Segment) else [item])
    ]
    assert _scan_result(items, config, max_findings) == _scan_result(
        one_by_one, config, max_findings
    )


@pytest.fixture(scope="module")
def roster_gate(tmp_path_factory):
    from datetime import date

    from dlp.engine import DetectionConfig, build_scanner
    from dlp.roster.people import Person, PersonName, Role
    from dlp.roster.store import RosterStore
    from tests.conftest import TEST_SECRET

    path = tmp_path_factory.mktemp("roster") / "roster.npz"
    RosterStore.open(path, TEST_SECRET).import_people(
        [
            Person(
                Role.STUDENT,
                "4512345",
                PersonName("Lisa", "Woods"),
                state_id="8765432109",
                birth_date=date(2008, 9, 13),
            ),
            Person(Role.STAFF, "204417", PersonName("Barry", "Tanner")),
        ],
        "test",
    )
    return CandidateGate(build_scanner(DetectionConfig(secret=TEST_SECRET, roster_path=path)))


ROSTER_PIECES = [
    "Lisa Woods",
    "Woods, Lisa",
    "Barry Tanner",
    "Lisa",
    "Tanner",
    "4512345",
    "8765432109",
    "Mr. Tanner",
    "room 12",
    "B+",
    "\n",
    " ",
]


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.sampled_from(ROSTER_PIECES), max_size=3).map(" ".join), min_size=1, max_size=10
    )
)
def test_with_a_roster_every_cell_with_a_roster_finding_is_a_candidate(roster_gate, cells):
    marks = roster_gate.candidates(cells)
    for text, candidate in zip(cells, marks, strict=True):
        if roster_gate.scanner.scan(Segment(text, context="Name")):
            assert candidate, text
    assert roster_gate.candidates(["Lisa Woods"]) == [True]
