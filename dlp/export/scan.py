"""One scan of an export, assembled in one visible place: walk, metadata, state, runner,
reports."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dlp.engine import DetectionConfig
from dlp.export import reports, runner
from dlp.export import result as r
from dlp.export.clauses import exposure
from dlp.export.defaults import DEFAULT_MAX_FINDINGS, STATE_NAME
from dlp.export.files import walk_export
from dlp.export.metadata import MetadataIndex, find_metadata, load_metadata
from dlp.export.naming import path_digest
from dlp.export.progress import Progress
from dlp.export.result import FileResult
from dlp.export.state import ScanState, load_baseline
from dlp.export.summary import Summary
from dlp.export.worker import Task
from dlp.extract import Limits


@dataclass(frozen=True)
class ExportScan:
    """What to scan, how, and where the reports go."""

    export: Path
    out: Path
    config: DetectionConfig
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    scheduler: Any = None  # a Dask scheduler address or Client; None runs locally
    resume: bool = False
    baseline: Path | None = None
    metadata: tuple[Path, ...] = ()
    internal_domains: frozenset[str] = frozenset()
    progress: bool = True
    max_findings_per_file: int = DEFAULT_MAX_FINDINGS


@dataclass(frozen=True)
class Outcome:
    summary: Summary
    info: reports.RunInfo
    out: Path


def run_scan(scan: ExportScan, stderr: TextIO = sys.stderr) -> Outcome:
    started = time.monotonic()
    export = scan.export.resolve()
    scan.out.mkdir(parents=True, exist_ok=True)
    metadata_files = list(find_metadata(export, scan.metadata))
    index = load_metadata(metadata_files)
    skip = frozenset(p.name for p in metadata_files if p.parent == export)
    baseline = load_baseline(scan.baseline) if scan.baseline else {}
    state = ScanState(scan.out / STATE_NAME, str(export), scan.resume)
    try:
        secret = scan.config.secret
        files, size, carried = _count(export, skip, state, secret)
        progress = Progress(files, size, stderr, scan.progress)
        progress.files, progress.bytes = carried
        tasks = _tasks(
            export,
            skip,
            state,
            index,
            baseline,
            scan.internal_domains,
            scan.max_findings_per_file,
            secret,
        )
        if scan.scheduler is not None:
            results = runner.run_dask(tasks, scan.config, scan.limits, scan.scheduler)
            mode = f"dask scheduler {scan.scheduler}" if isinstance(scan.scheduler, str) else "dask"
        else:
            results = runner.run_local(tasks, scan.config, scan.limits, scan.workers)
            mode = "local"
        try:
            for item in results:
                state.record(item)
                progress.advance(item.size)
        finally:
            progress.close()
            state.commit()
        info = reports.RunInfo(
            export=str(scan.export),
            mode=mode,
            workers=scan.workers if scan.scheduler is None else 0,
            seconds=time.monotonic() - started,
            metadata_sources=tuple(index.sources),
            metadata_entries=len(index),
            baseline=str(scan.baseline or ""),
            resumed=carried[0],
        )
        summary = reports.write_reports(state.results(), info, scan.out)
    finally:
        state.close()
    return Outcome(summary, info, scan.out)


def _count(
    export: Path, skip: frozenset[str], state: ScanState, secret: bytes
) -> tuple[int, int, tuple[int, int]]:
    """Files and bytes in the export (for time left), and how many a resumed run has done."""
    files = size = done_files = done_bytes = 0
    for file in walk_export(export, skip):
        files += 1
        size += file.size
        if state.resumed and state.is_done(path_digest(secret, file.key), file.size, file.mtime):
            done_files += 1
            done_bytes += file.size
    return files, size, (done_files, done_bytes)


def _tasks(
    export: Path,
    skip: frozenset[str],
    state: ScanState,
    index: MetadataIndex,
    baseline: dict[str, str],
    internal: frozenset[str],
    max_findings: int,
    secret: bytes,
) -> Iterator[Task]:
    """``baseline`` and the state know files by keyed digests of their paths (`naming`)."""
    for file in walk_export(export, skip):
        if state.resumed and state.is_done(path_digest(secret, file.key), file.size, file.mtime):
            continue
        meta = index.lookup(file.drive_path)
        level = exposure(meta.owner, meta.shared_with, meta.known, internal)
        yield Task(
            file, meta, level, baseline.get(path_digest(secret, file.drive_key)), max_findings
        )


def exit_status(summary: Summary) -> int:
    """1 when anything was found or could not be read (never a silent pass), else 0."""
    problems = summary.by_status[r.FINDINGS] + summary.by_status[r.UNSCANNABLE]
    return 1 if problems else 0


__all__ = [
    "DEFAULT_MAX_FINDINGS",
    "STATE_NAME",
    "ExportScan",
    "FileResult",
    "Outcome",
    "exit_status",
    "run_scan",
]
