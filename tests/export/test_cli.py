from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dlp.cli import main
from tests.conftest import REPO
from tests.export.exports import make_vault
from tests.extract.scans import IEP_EN, encoded, form, photographed


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("DLP_SECRET", "cli-test-secret-0123456789")
    monkeypatch.delenv("DLP_SECRET_FILE", raising=False)


def test_findings_exit_one_and_write_every_report(tmp_path, capsys):
    export = make_vault(tmp_path / "vault")
    out = tmp_path / "out"
    status = main(
        [
            "scan-export",
            str(export),
            "--out",
            str(out),
            "--workers",
            "1",
            "--internal-domain",
            "cusd.com",
            "--no-progress",
        ]
    )
    assert status == 1
    printed = capsys.readouterr().out
    assert "5 files, 3 with findings" in printed
    assert {p.name for p in out.iterdir()} == {
        "report.jsonl",
        "files.csv",
        "findings.csv",
        "report.html",
        "state.sqlite",
    }


def test_clean_export_exits_zero(tmp_path):
    (tmp_path / "drive").mkdir()
    (tmp_path / "drive" / "menu.txt").write_text("Pizza on Friday.")
    assert (
        main(
            [
                "scan-export",
                str(tmp_path / "drive"),
                "--out",
                str(tmp_path / "o"),
                "--workers",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )


@pytest.mark.parametrize(
    ("flag", "status", "printed"),
    [
        ([], 1, "1 files, 1 with findings"),
        (["--ocr", "on"], 1, "1 files, 1 with findings"),
        (["--ocr", "off"], 0, "1 skipped by type"),
    ],
)
def test_ocr_flag_reads_or_skips_a_photographed_form(tmp_path, capsys, flag, status, printed):
    (tmp_path / "drive").mkdir()
    photo = encoded(photographed(form(IEP_EN)), "JPEG", quality=75)
    (tmp_path / "drive" / "phone photo.jpg").write_bytes(photo)
    assert (
        main(
            [
                "scan-export",
                str(tmp_path / "drive"),
                "--out",
                str(tmp_path / "o"),
                "--workers",
                "1",
                "--no-progress",
                *flag,
            ]
        )
        == status
    )
    output = capsys.readouterr().out
    assert printed in output
    # OCR's pages and time are reported apart, on the command's line and in the summary record
    pages = 0 if "off" in flag else 1
    assert f"OCR: {pages} pages in" in output
    lines = (tmp_path / "o" / "report.jsonl").read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["kind"] == "summary" and record["ocr_pages"] == pages
    assert (record["seconds_ocr"] > 0) == bool(pages)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing-folder"], "no such file or folder"),
        (["{drive}", "--resume"], "no state to resume"),
        (["{drive}", "--metadata", "nope.xml"], "--metadata nope.xml: no such file"),
        (["{drive}", "--baseline", "nope.jsonl"], "cannot read baseline"),
        (["{drive}", "--workers", "-1"], "--workers"),
    ],
)
def test_usage_errors_exit_two_with_one_line(tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drive").mkdir()
    (tmp_path / "drive" / "a.txt").write_text("x")
    argv = [a.format(drive=tmp_path / "drive") for a in arguments]
    assert main(["scan-export", *argv, "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error


def test_parallel_run_with_plain_progress_lines(tmp_path):
    """The real command in a subprocess: two worker processes, progress lines on a pipe."""
    export = make_vault(tmp_path / "vault")
    out = tmp_path / "out"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlp",
            "scan-export",
            str(export),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"DLP_SECRET": "cli-test-secret-0123456789", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 1, completed.stderr
    assert "progress: 5/5 files" in completed.stderr
    summary = json.loads((out / "report.jsonl").read_text().splitlines()[-1])
    assert summary["workers"] == 2 and summary["by_status"]["findings"] == 3
