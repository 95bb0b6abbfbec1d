"""Inside a scanning process: build a Scanner once, then check messages until told to stop.

Hyperscan databases do not pickle, so each process builds its own Scanner from a `ScanJob`
(plain data). ``ScanJob.builder`` names the function that turns a job into a scan function,
``module:function``; tests name one that can crash or hang on purpose. Each message is scanned
and then decided here (`smtp_gateway.checking`), within the same time limit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.extract.limits import Limits
from dlp.model import ScanResult
from dlp.pipeline import MAX_FINDINGS_PER_TYPE, scan_message
from smtp_gateway.checking import Ask, Checked, DecisionRules
from smtp_gateway.roster_swap import RosterSwap, load_matcher

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig, Scanner
    from dlp.policy.families import Households

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
    # The version of the roster copy ``detection.roster_path`` names (`dlp.roster.snapshot`).
    roster_version: str | None = None


class MessageScan:
    """The scan function `build_scan` makes: its scanner's roster can be swapped."""

    def __init__(self, scanner: Scanner, job: ScanJob) -> None:
        self.scanner = scanner
        self.job = job

    def __call__(self, raw: bytes) -> ScanResult:
        return scan_message(
            raw, self.scanner, self.job.limits, max_per_type=self.job.max_findings_per_type
        )

    def households(self) -> Households | None:
        """The roster the scanner holds now: the one the message was just matched against."""
        roster = self.scanner.roster
        return roster.families if roster is not None else None


def households_of(scan: ScanFunction) -> Households | None:
    """The roster behind ``scan`` when it is a `MessageScan`; None otherwise (no roster, or
    a test's builder)."""
    return scan.households() if isinstance(scan, MessageScan) else None


def build_scan(job: ScanJob) -> ScanFunction:
    from dlp.engine import build_scanner
    from dlp.extract import sheetkernel
    from dlp.extract.dispatch import load_extractors
    from dlp.model import Segment

    scanner = build_scanner(job.detection)
    # Compiled (or loaded from numba's cache) now, not inside the first spreadsheet's time limit.
    sheetkernel.warm()
    # Likewise the extractors (imported on first use otherwise) and the e-mail rule's suffix
    # list (loaded at the first address).
    load_extractors()
    scanner.scan(Segment("warm@example.org"))
    return MessageScan(scanner, job)


def swap_roster(scan: ScanFunction, swap: RosterSwap, job: ScanJob) -> ScanFunction:
    """``scan`` with the roster of ``swap``, loaded whole before the one reference changes.

    Another builder's scan function (a test's) is built anew with the new roster.
    """
    if isinstance(scan, MessageScan):
        scan.scanner.roster = load_matcher(swap, job.detection.secret)
        return scan
    detection = replace(job.detection, roster_path=swap.path)
    return load_builder(job.builder)(replace(job, detection=detection, roster_version=swap.version))


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
            received = connection.recv()
            if isinstance(received, RosterSwap):
                try:
                    scan = swap_roster(scan, received, job)
                except Exception as error:  # the old roster stays; the text names files only
                    connection.send(("refused", f"{type(error).__name__}: {error}"))
                else:
                    connection.send(("swapped", received.version))
                continue
            ask, rules = received
            raw = connection.recv_bytes()
        except (EOFError, OSError):
            return
        assert isinstance(ask, Ask)
        current = rules or current
        try:
            if current is None:
                raise LookupError("no policy was sent")
            checked = Checked.of(scan(raw), ask, current, households_of(scan))
        except Exception as error:
            # The exception's text could quote the message: only its type leaves the process.
            connection.send(("error", type(error).__name__))
            continue
        connection.send(("ok", checked))
