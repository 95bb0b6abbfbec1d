"""A worker's task for one file that is never read from disk: the tests hand it segments."""

from __future__ import annotations

from dlp.export.files import ExportFile
from dlp.export.metadata import FileMeta
from dlp.export.worker import Task


def file_task(name: str, max_findings: int) -> Task:
    file = ExportFile((name,), (name,), "/nonexistent", None, 0, 0.0)
    return Task(file, FileMeta(), "unknown", max_findings=max_findings)
