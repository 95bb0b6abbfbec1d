"""Inside a scanning process: build a Scanner once, then check messages until told to stop.

Hyperscan databases do not pickle, so each process builds its own Scanner from a `ScanJob`
(plain data). ``ScanJob.builder`` names the function that turns a job into a scan function,
``module:function``; tests name one that can crash or hang on purpose. Each message is scanned
and then decided here (`smtp_gateway.checking`), within the same time limit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.extract.limits import Limits
from dlp.model import ScanResult
from dlp.pipeline import MAX_FINDINGS_PER_TYPE
from smtp_gateway.checking import Ask, Checked, DecisionRules

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig

ScanFunction = Callable[[bytes], ScanResult]


@dataclass(frozen=True, slots=True)
class ScanJob:
    detection: DetectionConfig = field(repr=False)  # holds the secret: never printed
    limits: Limits = field(default_factory=Limits)
    builder: str = "smtp_gateway.worker:build_scan"
    # The gateway's [logging]: a worker is a fresh process (forkserver), and what it logs (a
    # kernel being compiled on the first start) goes where the gateway's own lines go, as JSON.
    log_level: str = "info"
    log_file: Path | None = None
    max_findings_per_type: int = MAX_FINDINGS_PER_TYPE


def build_scan(job: ScanJob) -> ScanFunction:
    from dlp.engine import build_scanner
    from dlp.extract import sheetkernel
    from dlp.extract.dispatch import load_extractors
    from dlp.model import Segment
    from dlp.pipeline import scan_message

    scanner = build_scanner(job.detection)
    # Compiled (or loaded from numba's cache) now, not inside the first spreadsheet's time limit.
    sheetkernel.warm()
    # Likewise the extractors (imported on first use otherwise) and the e-mail rule's suffix
    # list (loaded at the first address).
    load_extractors()
    scanner.scan(Segment("warm@example.org"))

    def scan(raw: bytes) -> ScanResult:
        return scan_message(raw, scanner, job.limits, max_per_type=job.max_findings_per_type)

    return scan


def load_builder(name: str) -> Callable[[ScanJob], ScanFunction]:
    module, _, attribute = name.partition(":")
    builder: Callable[[ScanJob], ScanFunction] = getattr(importlib.import_module(module), attribute)
    return builder


def serve(connection: Connection, job: ScanJob) -> None:
    """The process's loop: ("ready",), then per message ("ok", `Checked`) or ("error", kind).

    Each message comes as ``(ask, rules)`` then its bytes; ``rules`` is None when the policy
    is the one this process was last sent.
    """
    from smtp_gateway.logs import configure

    configure(job.log_level, job.log_file)
    try:
        scan = load_builder(job.builder)(job)
    except Exception as error:  # reported to the parent, which refuses to start
        connection.send(("failed", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    current: DecisionRules | None = None
    while True:
        try:
            ask, rules = connection.recv()
            raw = connection.recv_bytes()
        except (EOFError, OSError):
            return
        assert isinstance(ask, Ask)
        current = rules or current
        try:
            if current is None:
                raise LookupError("no policy was sent")
            checked = Checked.of(scan(raw), ask, current)
        except Exception as error:
            # The exception's text could quote the message: only its type leaves the process.
            connection.send(("error", type(error).__name__))
            continue
        connection.send(("ok", checked))
