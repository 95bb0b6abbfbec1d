"""A folder's name is scanned once per process (``worker._FOLDER_NAMES``): every file under it
is shown with the folder masked, exactly as when each file scanned the name itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from dlp.export import worker
from dlp.export.files import walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import Task, scan_task
from dlp.extract import Limits
from tests.export.exports import CLEAN_TEXT, IEP_TEXT

TIMINGS = {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr"}


def _results(export: Path, config) -> list[dict[str, object]]:
    results = []
    for file in sorted(walk_export(export), key=lambda f: f.key):
        result = scan_task(Task(file, FileMeta(), "unknown"), config, Limits(ocr=False))
        fields = dataclasses.asdict(result)
        results.append({k: v for k, v in fields.items() if k not in TIMINGS})
    return results


def test_files_under_a_folder_named_by_an_ssn_read_the_same_from_the_memo(tmp_path, config):
    folder = tmp_path / "drive" / "jones 536-22-1234" / "IEP"
    folder.mkdir(parents=True)
    for number in range(3):
        (folder / f"note {number}.txt").write_text(IEP_TEXT if number else CLEAN_TEXT)
    worker._FOLDER_NAMES.clear()
    first = _results(tmp_path / "drive", config)  # the first file fills the memo
    again = _results(tmp_path / "drive", config)  # every file from the memo
    worker._FOLDER_NAMES.clear()
    assert first == again
    for result in first:
        assert "536-22-1234" not in str(result["location"]) + str(result["folder"])
        assert "jones" in str(result["location"])
