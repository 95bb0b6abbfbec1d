"""`dlp scan` end to end, as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

SECRET = {"DLP_SECRET": "cli-test-secret-0123456789abcdef"}


def dlp(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "dlp", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **SECRET},
        check=False,
    )


def test_clean_folder_exits_zero(tmp_path):
    (tmp_path / "note.txt").write_text("The bake sale raised $412 for the band.\n")
    result = dlp("scan", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""


def test_findings_exit_one_with_locations_and_masks(tmp_path):
    (tmp_path / "roster.txt").write_text("Student ID: 1234567890\nHis SSN is 536-22-1234.\n")
    result = dlp("scan", "--format", "jsonl", str(tmp_path))
    assert result.returncode == 1
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    by_type = {o["entity_type"]: o for o in objects}
    assert by_type["US_SSN"]["masked"] == "***-**-1234"
    assert by_type["STUDENT_ID"]["kind"] == "finding"
    assert all(o["location"].startswith(tmp_path.name) for o in objects)
    assert b"536-22-1234" not in result.stdout


def test_unscannable_items_are_reported_with_kind(tmp_path):
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("Teachers/notes.txt", "IEP meeting moved to Friday")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a docx")
    result = dlp("scan", "--format", "jsonl", str(tmp_path))
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {o["kind"] for o in objects}
    assert kinds == {"finding", "unscannable"}, objects
    finding = next(o for o in objects if o["kind"] == "finding")
    assert "export.zip / Teachers/notes.txt" in finding["location"]
    broken = next(o for o in objects if o["kind"] == "unscannable")
    assert "broken.docx" in broken["location"]
    assert broken["reason"] in ("corrupt", "unsupported")
    assert result.returncode == 1


def test_standard_input_text_format():
    result = dlp("scan", "-", stdin=b"Please send the 504 plan and his DOB 03/14/2011.\n")
    assert result.returncode == 1
    text = result.stdout.decode()
    assert "SPECIAL_EDUCATION" in text and "DATE_OF_BIRTH" in text
    assert "03/14/2011" not in text


def test_unreadable_path_is_a_clear_error(tmp_path):
    result = dlp("scan", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert b"no such file or folder" in result.stderr
    assert b"Traceback" not in result.stderr


def test_a_closed_standard_output_ends_quietly_with_status_141(tmp_path):
    """`dlp scan samples/ | head -1`: no traceback, and the status coreutils and git end with
    when their reader goes away (128 + SIGPIPE), so `set -o pipefail` scripts see the same."""
    from tests.closed_pipe import run_into_closed_pipe

    (tmp_path / "ids.txt").write_text("His SSN is 536-22-1234.\n")
    result = run_into_closed_pipe("scan", str(tmp_path), env=SECRET)
    assert result.returncode == 141, result.stderr
    assert result.stderr == b""


def test_text_findings_say_line_column_and_offset_in_the_file(tmp_path):
    """`dlp scan letter.txt`: an SSN on line 4 was "row 1", offsets inside a block of lines.
    Now FILE:LINE:COLUMN in text, and line, column and offsets from the start of the file in
    JSON, also far into a file read in many blocks."""
    letter = "Dear parent,\n\nWe have your records.\nSSN: 536-22-1234 on file.\n"
    (tmp_path / "letter.txt").write_text(letter)
    result = dlp("scan", str(tmp_path / "letter.txt"))
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode().startswith("letter.txt:4:6: US_SSN [IDENTIFIER] ***-**-1234 ")
    assert " at 41-52" in result.stdout.decode()

    filler = "".join(f"line {n} of the minutes, nothing to see.\n" for n in range(1, 4001))
    big = filler + "   Her SSN is 536-22-1234.\n"
    (tmp_path / "minutes.txt").write_text(big)
    result = dlp("scan", "--format", "jsonl", str(tmp_path / "minutes.txt"))
    [finding] = [json.loads(line) for line in result.stdout.splitlines()]
    start = big.index("536-22-1234")
    assert (finding["line"], finding["column"]) == (4001, 15)
    assert (finding["absolute_start"], finding["absolute_end"]) == (start, start + 11)
