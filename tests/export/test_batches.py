"""Local workers take files in batches: every file's result comes back once, as one at a time
would give it, and a batch lost with its worker is reported file by file."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from dlp.engine import DetectionConfig
from dlp.export import runner
from dlp.export.files import ExportFile, walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import Task
from dlp.extract import Limits

SECRET = b"batch-test-secret-0123456789"


def sized_task(number: int, size: int) -> Task:
    name = f"file{number}.txt"
    file = ExportFile((name,), (name,), "/nonexistent", None, size, 0.0)
    return Task(file, FileMeta(), "unknown")


@given(
    sizes=st.lists(st.integers(0, 5000), max_size=60),
    files=st.integers(1, 8),
    size=st.integers(1, 12000),
)
def test_batches_keep_every_task_in_order_within_both_bounds(sizes, files, size):
    tasks = [sized_task(number, each) for number, each in enumerate(sizes)]
    batched = list(runner.batches(tasks, files, size))
    assert [task for batch in batched for task in batch] == tasks
    for batch in batched:
        assert 1 <= len(batch) <= files
        # only a batch's last file may take it to the size bound
        assert sum(task.file.size for task in batch[:-1]) < size
    for batch in batched[:-1]:  # every batch but the last was ended by a bound
        assert len(batch) == files or sum(task.file.size for task in batch) >= size


def without_timings(text: str) -> dict[str, object]:
    record = json.loads(text)
    return {name: value for name, value in record.items() if not name.startswith("seconds")}


def test_two_workers_give_each_file_the_result_one_at_a_time_gives(tmp_path: Path):
    drive = tmp_path / "drive"
    drive.mkdir()
    for number in range(40):
        body = f"Note {number}. " + (f"Student SSN 219-09-{1000 + number}." if number % 3 else "")
        (drive / f"note{number:02}.txt").write_text(body * (1 + number * 40))
    tasks = [Task(file, FileMeta(), "unknown") for file in walk_export(drive)]
    config = DetectionConfig(secret=SECRET)
    limits = Limits(ocr=False)
    serial = {
        item.key: without_timings(item.text) for item in runner.run_serial(tasks, config, limits)
    }
    parallel = list(runner.run_local(tasks, config, limits, workers=2))
    assert len(parallel) == len(tasks) == len(serial)
    assert {item.key: without_timings(item.text) for item in parallel} == serial
    assert sum(record["status"] == "findings" for record in serial.values()) == 26


def test_a_batch_whose_worker_died_is_reported_file_by_file():
    lost = (sized_task(1, 10), sized_task(2, 20))
    kept = (sized_task(3, 30),)
    config = DetectionConfig(secret=SECRET)
    done: Future[list] = Future()
    done.set_result(list(runner.run_serial(kept, config, Limits(ocr=False))))
    broken: Future[list] = Future()
    broken.set_exception(RuntimeError("worker died"))
    results = list(runner._drain({done: kept, broken: lost}, 0, SECRET))
    records = [json.loads(item.text) for item in results]
    failures = [record for record in records if "scan failed (RuntimeError)" in json.dumps(record)]
    assert len(results) == 3 and len(failures) == 2
    assert {record["status"] for record in failures} == {"unscannable"}
    assert {item.size for item in results} == {10, 20, 30}
