"""Resuming an interrupted scan, and reporting only what changed since a baseline."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from dlp.export import result as r
from dlp.export.progress import Progress
from dlp.export.scan import run_scan
from dlp.export.state import StateError, load_baseline
from tests.export.exports import CLEAN_TEXT, IEP_TEXT


def make_drive(root, count=6):
    root.mkdir(parents=True)
    for number in range(count):
        text = IEP_TEXT if number % 2 else CLEAN_TEXT
        (root / f"doc{number}.txt").write_text(f"{text} Note {number}.")
    return root


def rows(out):
    """{shown path: stored result}: the state's keys are keyed digests of the paths."""
    with sqlite3.connect(out / "state.sqlite") as db:
        query = "SELECT json_extract(result, '$.location'), result FROM files"
        return dict(db.execute(query).fetchall())


def test_interrupted_scan_resumes_where_it_stopped(tmp_path, make_scan, monkeypatch):
    export = make_drive(tmp_path / "drive")
    original = Progress.advance
    calls = {"n": 0}

    def interrupt_after_two(self, size):
        calls["n"] += 1
        original(self, size)
        if calls["n"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "advance", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_scan(make_scan(export))
    first = rows(tmp_path / "out")
    assert len(first) == 2
    monkeypatch.setattr(Progress, "advance", original)

    outcome = run_scan(make_scan(export, resume=True))
    second = rows(tmp_path / "out")
    assert len(second) == 6
    # The files done before the interruption were not scanned again: same stored results,
    # timings included.
    for key, stored in first.items():
        assert second[key] == stored
    assert outcome.info.resumed == 2
    assert outcome.summary.files == 6
    lines = (tmp_path / "out" / "report.jsonl").read_text().splitlines()
    assert sum(json.loads(line)["kind"] == "file" for line in lines) == 6


def test_without_resume_the_state_starts_over(tmp_path, make_scan):
    export = make_drive(tmp_path / "drive", count=2)
    run_scan(make_scan(export))
    before = rows(tmp_path / "out")
    (export / "doc0.txt").unlink()
    run_scan(make_scan(export))
    assert set(rows(tmp_path / "out")) == set(before) - {"doc0.txt"}


def test_resume_refuses_another_exports_state(tmp_path, make_scan):
    run_scan(make_scan(make_drive(tmp_path / "one", count=1)))
    with pytest.raises(StateError, match="not of"):
        run_scan(make_scan(make_drive(tmp_path / "two", count=1), resume=True))


@pytest.mark.parametrize("baseline_name", ["report.jsonl", "state.sqlite"])
def test_baseline_reports_only_new_or_changed_files(tmp_path, make_scan, baseline_name):
    first = make_drive(tmp_path / "drive-october")
    run_scan(make_scan(first, tmp_path / "october"))
    baseline = tmp_path / "october" / baseline_name

    later = tmp_path / "drive-november"
    shutil.copytree(first, later)
    (later / "doc1.txt").write_text(IEP_TEXT + " Changed since.")  # changed
    (later / "doc3.txt").touch()  # touched, same content: unchanged
    (later / "new.txt").write_text(IEP_TEXT)  # new
    outcome = run_scan(make_scan(later, tmp_path / "november", baseline=baseline))

    records = [
        json.loads(x) for x in (tmp_path / "november" / "report.jsonl").read_text().splitlines()
    ]
    status = {rec["location"]: rec["status"] for rec in records if rec["kind"] == "file"}
    assert status["doc1.txt"] == r.FINDINGS
    assert status["new.txt"] == r.FINDINGS
    assert status["doc3.txt"] == r.UNCHANGED
    assert status["doc5.txt"] == r.UNCHANGED
    assert status["doc0.txt"] == r.UNCHANGED
    assert outcome.summary.flagged == 2
    # Unchanged files stay out of the CSV and the HTML's file lists.
    csv_text = (tmp_path / "november" / "files.csv").read_text()
    assert "doc3.txt" not in csv_text and "doc1.txt" in csv_text
    html = (tmp_path / "november" / "report.html").read_text()
    assert 'id="unchanged-files">5<' in html
    # The new run can itself be the next baseline: unchanged files keep their hash.
    assert len(load_baseline(tmp_path / "november" / "report.jsonl")) == 7


def test_bad_baselines_are_refused(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(StateError, match="no scanned files"):
        load_baseline(tmp_path / "empty.jsonl")
    (tmp_path / "junk.jsonl").write_text("{not json\n")
    with pytest.raises(StateError, match="line 1"):
        load_baseline(tmp_path / "junk.jsonl")
    with pytest.raises(StateError, match="cannot read"):
        load_baseline(tmp_path / "missing.jsonl")
