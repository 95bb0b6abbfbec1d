"""End to end, in this process: real exports in, every report out, nothing in clear."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from dlp.export import result as r
from dlp.export.clauses import risk_score
from dlp.export.scan import exit_status, run_scan
from dlp.extract import Limits
from tests.export.exports import (
    PLANTED,
    encrypted_zip_member,
    make_box,
    make_takeout,
    make_vault,
)
from tests.extract.scans import IEP_EN, encoded, form, photographed, scanned_pdf

NO_OCR = Limits(ocr=False)


def records(out):
    lines = (out / "report.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def by_name(out):
    return {
        rec["location"].rsplit(" / ", 1)[-1]: rec for rec in records(out) if rec["kind"] == "file"
    }


def assert_no_clear_values(out):
    for path in out.iterdir():
        data = path.read_bytes()
        for value in PLANTED:
            assert value.encode() not in data, f"{value} in clear in {path.name}"


@pytest.fixture(scope="module")
def vault_scan(tmp_path_factory, config):
    from dlp.export.scan import ExportScan

    base = tmp_path_factory.mktemp("vault")
    export = make_vault(base / "export")
    # OCR off: the photo is skipped by type (OCR has its own test below).
    scan = ExportScan(
        export=export,
        out=base / "out",
        config=config,
        progress=False,
        internal_domains=frozenset({"cusd.com"}),
        limits=NO_OCR,
    )
    return run_scan(scan), base / "out"


def test_vault_export_owner_sharing_and_clauses(vault_scan):
    outcome, out = vault_scan
    files = by_name(out)
    iep = files["IEP notes_1AbCdEfGhIjK.docx"]
    assert iep["owner"] == "jsmith@cusd.com"
    assert iep["shared_with"] == ["aide@cusd.com", "parent@gmail.com"]
    assert iep["exposure"] == "external"
    assert iep["status"] == r.FINDINGS
    assert iep["counts"]["STUDENT_ID"] == 1 and iep["counts"]["SPECIAL_EDUCATION"] >= 2
    assert iep["clauses"]["L.3.a"] >= 3
    assert {f["masked"] for f in iep["findings"]} >= {"******3950", "IEP"}
    # A folder named after an address is shown masked like one (its owner is in "owner").
    assert iep["location"] == "export_0.zip / j***@cusd.com / IEP notes_1AbCdEfGhIjK.docx"

    reprimand = files["Reprimand_1RePrImAnD.pdf"]
    assert reprimand["exposure"] == "internal" and reprimand["clauses"].get("L.3.b", 0) >= 1
    assert "PERSONNEL" in reprimand["categories"] and reprimand["counts"]["US_SSN"] == 1

    grades = files["Grades_1GrAdEs.xlsx"]
    assert grades["exposure"] == "public" and grades["counts"]["STUDENT_ID"] == 1
    assert "sheet Period 3" in grades["findings"][0]["location"]

    assert files["Field trip_1ZyXwVuTsRqP.txt"]["status"] == r.CLEAN
    photo = files["class photo_1PhOtO.jpg"]
    assert photo["status"] == r.NOT_SCANNED and photo["unscannable"][0]["reason"] == "image content"
    # The Vault metadata XML is read, not scanned.
    assert "export-metadata.xml" not in files
    assert exit_status(outcome.summary) == 1


def test_files_most_at_risk_come_first(vault_scan):
    outcome, _ = vault_scan
    top = outcome.summary.top
    assert [item.risk for item in top] == sorted((item.risk for item in top), reverse=True)
    assert len(top) == 3
    for item in top:
        assert item.risk == risk_score(item.counts, item.exposure) > 0
    grades = next(item for item in top if item.exposure == "public")
    assert grades.risk == pytest.approx(3 * risk_score(grades.counts, "private"), abs=0.02)


def test_csv_reports(vault_scan):
    _, out = vault_scan
    with open(out / "files.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    iep = next(row for row in rows if row["location"].endswith(".docx"))
    assert iep["owner"] == "jsmith@cusd.com" and int(iep["L.3.a"]) >= 3
    with open(out / "findings.csv", newline="") as stream:
        findings = list(csv.DictReader(stream))
    assert any(f["masked"] == "***-**-1234" and f["entity_type"] == "US_SSN" for f in findings)


def test_no_clear_value_in_any_report_or_state(vault_scan):
    _, out = vault_scan
    assert_no_clear_values(out)


def test_summary_record_closes_the_jsonl(vault_scan):
    _, out = vault_scan
    last = records(out)[-1]
    assert last["kind"] == "summary" and last["files"] == 5
    assert last["by_status"] == {"findings": 3, "clean": 1, "not scanned": 1}


def test_box_export_with_reports(tmp_path, make_scan):
    outcome = run_scan(make_scan(make_box(tmp_path / "box")))
    files = by_name(outcome.out)
    referral = files["referral.txt"]
    assert referral["owner"] == "alopez@cusd.com"
    assert referral["exposure"] == "external"  # a folder collaborator outside the district
    assert files["schedule.txt"]["exposure"] == "private"
    assert set(files) == {"referral.txt", "schedule.txt"}


def test_takeout_zip_without_metadata(tmp_path, make_scan):
    outcome = run_scan(make_scan(make_takeout(tmp_path / "takeout-20261101T000000Z-001.zip")))
    files = by_name(outcome.out)
    assert files["notes.txt"]["owner"] == "unknown" and files["notes.txt"]["exposure"] == "unknown"
    nested = files["backup.zip"]
    assert nested["counts"]["STUDENT_ID"] == 1
    # Shown as every location is (long digit runs in names masked), in every record alike.
    assert nested["findings"][0]["location"] == (
        "takeout-########T######Z-001.zip / Takeout / Drive / Class / backup.zip / old/roster.csv"
        " / row 2 / column Student ID"
    )
    assert files["talk.mp3"]["status"] == r.NOT_SCANNED
    assert_no_clear_values(outcome.out)


def test_unreadable_files_are_reported_with_reasons(tmp_path, make_scan):
    export = tmp_path / "drive"
    export.mkdir()
    (export / "broken.docx").write_bytes(b"PK\x03\x04 this is not a real zip")
    (export / "locked.zip").write_bytes(encrypted_zip_member())
    (export / "sub").mkdir()
    (export / "sub" / "inner.zip").write_bytes(encrypted_zip_member())
    outcome = run_scan(make_scan(export))
    files = by_name(outcome.out)
    assert files["broken.docx"]["status"] == r.UNSCANNABLE
    assert files["broken.docx"]["unscannable"][0]["reason"] == "corrupt"
    # A zip at the top of the export is packaging: its encrypted member is refused unread.
    assert files["secret.docx"]["unscannable"][0]["reason"] == "encrypted"
    assert files["inner.zip"]["status"] == r.UNSCANNABLE
    assert exit_status(outcome.summary) == 1
    assert outcome.summary.reasons["encrypted"] == 2


def test_clean_export_exits_zero(tmp_path, make_scan):
    export = tmp_path / "clean"
    export.mkdir()
    (export / "a.txt").write_text("Lunch schedule for Monday: period 4 eats at 11:30.")
    (export / "song.mp3").write_bytes(b"ID3" + bytes(100))
    outcome = run_scan(make_scan(export))
    assert exit_status(outcome.summary) == 0
    state = sqlite3.connect(outcome.out / "state.sqlite")
    assert state.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2


def test_media_are_counted_but_not_listed_as_failures(tmp_path, make_scan):
    export = tmp_path / "drive"
    export.mkdir()
    for number in range(5):
        (export / f"photo{number}.jpg").write_bytes(b"\xff\xd8\xff" + bytes(50))
    (export / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    outcome = run_scan(make_scan(export, limits=NO_OCR))
    assert [item.location for item in outcome.summary.problems] == ["broken.pdf"]
    assert outcome.summary.by_status[r.NOT_SCANNED] == 5
    assert outcome.summary.reasons["image content"] == 5


def test_with_ocr_on_photos_and_scans_are_read_and_timed_apart(tmp_path, make_scan):
    export = tmp_path / "drive"
    export.mkdir()
    photo = encoded(photographed(form(IEP_EN)), "JPEG", quality=75)
    (export / "phone photo.jpg").write_bytes(photo)
    (export / "scanned IEP.pdf").write_bytes(scanned_pdf([form(IEP_EN)]))
    outcome = run_scan(make_scan(export))
    files = by_name(outcome.out)
    for name in ("phone photo.jpg", "scanned IEP.pdf"):
        assert files[name]["status"] == r.FINDINGS, name
        assert "US_SSN" in files[name]["counts"]
        assert files[name]["ocr_pages"] == 1
        assert 0 < files[name]["seconds_ocr"] <= files[name]["seconds_extract"]
    assert outcome.summary.ocr_pages == 2
    html = (outcome.out / "report.html").read_text()
    assert "OCR (within extraction) 2 images or pages in" in html
