"""Names as content: an attached message's file name and the Subject it is named after are
scanned, and their findings mask them in every location, and are found again for context."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.cli import main
from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.identifiers import mask_spans, masked_name, names_of
from dlp.model import FILE_NAME_PART, SUBJECT_PART, Category, Finding, Location
from dlp.pipeline import scan_message
from dlp.quarantine.records import StoredFinding
from dlp.quarantine.reveal import locate
from tests.roster.one_student import one_student_roster

SECRET = b"identifiers-test-secret-0123456789"
INNER = (
    b"From: a@cusd.com\r\nSubject: Marisol Quintanilla SSN 536-22-1234\r\n\r\n"
    b"Her reading plan, SSN 536-22-9876.\r\n"
)


def _outer(disposition: bytes) -> bytes:
    return (
        b"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n"
        b"\r\nSee attached.\r\n--XX\r\nContent-Type: message/rfc822\r\n"
        + disposition
        + b"\r\n"
        + INNER
        + b"--XX--\r\n"
    )


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.npz"
    one_student_roster(path, SECRET)
    return path


@pytest.fixture(scope="module")
def scanner(roster: Path) -> Scanner:
    return build_scanner(DetectionConfig(secret=SECRET, roster_path=roster))


def _stored(raw: bytes, scanner: Scanner) -> list[StoredFinding]:
    return [
        StoredFinding(
            position,
            f.entity_type,
            f.category.value,
            f.location.masked(),
            f.start,
            f.end,
            f.score,
            f.recognizer,
            f.pattern,
            f.masked,
            f.digest,
            (),
            (),
        )
        for position, f in enumerate(scan_message(raw, scanner).findings)
    ]


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        (b"", "attached message 3 (M****** Q********** SSN ***-**-####)"),
        (
            b'Content-Disposition: attachment; filename="Marisol Quintanilla.eml"\r\n',
            "M****** Q**********.eml",
        ),
    ],
)
def test_attached_message_names_are_masked_and_found_again(
    scanner: Scanner, disposition: bytes, name: str
) -> None:
    raw = _outer(disposition)
    findings = _stored(raw, scanner)
    assert {f.location.split(" / ")[1] for f in findings if f.location.count(" / ") > 1} == {name}
    for finding in findings:
        assert "Marisol" not in finding.location and "536-22" not in finding.location
    # Every finding inside the attached message is found again in its text.
    views = locate(raw, findings)
    assert all(view.pieces for view in views)
    body = next(v for v in views if v.finding.location.endswith("/ body"))
    assert "".join(piece.text for piece in body.pieces).strip() == (
        "Her reading plan, SSN ***-**-9876."
    )


def test_dlp_scan_masks_member_names_as_it_streams(
    roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.key").write_bytes(SECRET)
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("IEP/Marisol Quintanilla.txt", "Reading plan; SSN 536-22-1234.")
        archive.writestr("IEP/locked.docx", b"not really a document")
    status = main(
        [
            "scan",
            "--format",
            "jsonl",
            "--roster",
            str(roster),
            "--secret-file",
            str(tmp_path / "secret.key"),
            str(tmp_path / "export.zip"),
        ]
    )
    assert status == 1
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["entity_type"] for r in records if r["kind"] == "finding"} >= {
        "ROSTER_STUDENT_NAME",
        "US_SSN",
    }
    assert "Marisol" not in out and "Quintanilla" not in out and "536-22" not in out
    assert all(
        "IEP/M****** Q**********.txt" in r["location"]
        for r in records
        if r["kind"] == "finding" and "locked" not in r["location"]
    )


@given(
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=30),
    st.lists(st.tuples(st.integers(-3, 40), st.integers(-3, 40))),
)
def test_mask_spans_keeps_exactly_what_no_span_covers(
    text: str, pairs: list[tuple[int, int]]
) -> None:
    class Span:
        def __init__(self, start: int, end: int) -> None:
            self.start, self.end, self.masked = start, end, "\x00"

    spans = [Span(min(a, b), max(a, b)) for a, b in pairs]
    covered = {i for span in spans for i in range(max(span.start, 0), min(span.end, len(text)))}
    kept = "".join(char for i, char in enumerate(text) if i not in covered)
    assert mask_spans(text, spans).replace("\x00", "") == kept


def _names_of_as_before(findings: list[Finding]) -> dict[tuple[str, ...], str]:
    """``names_of`` before it looked at each location object once."""
    grouped: dict[tuple[str, ...], list[Finding]] = {}
    for finding in findings:
        location = finding.location
        if location.part in (FILE_NAME_PART, SUBJECT_PART) and location.path:
            grouped.setdefault((*location.path, location.part or ""), []).append(finding)
    names = {}
    for key, found in grouped.items():
        masked = masked_name(key[-2], key[-1], found)
        if masked is not None:
            names[key[:-1]] = masked
    return names


_LOCATIONS = [
    Location(("mail", "536-22-1234.pdf"), part=FILE_NAME_PART),
    Location(("mail", "536-22-1234.pdf"), part=FILE_NAME_PART),  # equal, another object
    Location(("mail",), part=SUBJECT_PART),
    Location(("mail", "Fwd: SSN 536-22-1234.eml"), part=SUBJECT_PART),
    Location(("mail",), part="body"),
    Location(("mail", "a.txt")),
    Location((), part=FILE_NAME_PART),
]


@given(st.lists(st.tuples(st.sampled_from(_LOCATIONS), st.integers(0, 8), st.integers(1, 6))))
def test_names_of_as_before(made: list[tuple[Location, int, int]]) -> None:
    findings = [
        Finding("US_SSN", Category.IDENTIFIER, start, start + length, 0.9, "R", "p", "*", "d",
                location=location)
        for location, start, length in made
    ]  # fmt: skip
    assert names_of(findings) == _names_of_as_before(findings)
