"""File and member names are content: an SSN in a drive's file name, in a member of a zip in the
drive and in a member of the export's own zip is found, and no report or state file holds it
in clear. Through the real `dlp scan-export` over a real export folder."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from dlp.cli import main
from tests.export.exports import CLEAN_TEXT, IEP_TEXT

# The SSNs of the three names, each in the forms a report could hold it.
NAMES = ("jones 536-22-1234.txt", "smith 536-22-4321.txt", "miller 536-22-5555.txt")
CLEAR = ("536-22-1234", "536221234", "536-22-4321", "536224321", "536-22-5555", "536225555")


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_SECRET", "names-test-secret-0123456789")
    monkeypatch.delenv("DLP_SECRET_FILE", raising=False)


def _export(root: Path) -> Path:
    (root / "Class").mkdir(parents=True)
    (root / NAMES[0]).write_text(CLEAN_TEXT)  # nothing inside: only its name tells
    with zipfile.ZipFile(root / "Class" / "backup.zip", "w") as inner:
        inner.writestr(f"old/{NAMES[1]}", IEP_TEXT)  # a zip in the drive: content
    with zipfile.ZipFile(root / "export_0.zip", "w") as part:
        part.writestr(f"drive/{NAMES[2]}", CLEAN_TEXT)  # the export's own packaging
    return root


def _assert_nowhere(out: Path) -> None:
    paths = list(out.iterdir())
    assert {path.name for path in paths} >= {
        "files.csv",
        "findings.csv",
        "report.jsonl",
        "report.html",
        "state.sqlite",
    }
    for path in paths:
        data = path.read_bytes()
        for value in CLEAR:
            assert value.encode() not in data, f"{value} in clear in {path.name}"


def test_ssns_in_file_and_member_names_are_found_and_never_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _export(tmp_path / "drive")
    out = tmp_path / "out"
    status = main(
        ["scan-export", str(export), "--out", str(out), "--workers", "1", "--no-progress"]
    )
    assert status == 1
    printed = capsys.readouterr()
    for value in CLEAR:
        assert value not in printed.out and value not in printed.err

    records = [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
    files = {rec["location"]: rec for rec in records if rec["kind"] == "file"}
    assert set(files) == {
        "jones ***-**-####.txt",
        "Class / backup.zip",
        "export_0.zip / drive / miller ***-**-####.txt",
    }
    for location in ("jones ***-**-####.txt", "export_0.zip / drive / miller ***-**-####.txt"):
        assert files[location]["status"] == "findings", location  # not "clean"
        assert files[location]["counts"] == {"US_SSN": 1}
        assert files[location]["findings"][0]["masked"] in ("***-**-1234", "***-**-5555")
    backup = files["Class / backup.zip"]
    assert backup["counts"]["US_SSN"] == 1 and backup["counts"]["STUDENT_ID"] == 1
    member = "Class / backup.zip / old/smith ***-**-####.txt"
    # The member's name masked alike in every record of it: its name's finding and its text's.
    assert backup["findings"] and all(
        finding["location"].startswith(f"{member} / ") for finding in backup["findings"]
    )
    with sqlite3.connect(out / "state.sqlite") as db:
        stored = dict(db.execute("SELECT key, result FROM files").fetchall())
    assert all(len(key) == 32 and "/" not in key for key in stored)  # keyed digests of paths
    _assert_nowhere(out)

    # A resumed run knows the files by those digests: nothing is scanned again.
    assert (
        main(
            [
                "scan-export",
                str(export),
                "--out",
                str(out),
                "--workers",
                "1",
                "--no-progress",
                "--resume",
            ]
        )
        == 1
    )
    capsys.readouterr()
    with sqlite3.connect(out / "state.sqlite") as db:
        assert dict(db.execute("SELECT key, result FROM files").fetchall()) == stored
    _assert_nowhere(out)
