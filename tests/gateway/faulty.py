"""A scan function for tests: the real scanner, except for messages asking it to crash or hang."""

from __future__ import annotations

import os
import time

from dlp.model import ScanResult
from smtp_gateway.worker import ScanFunction, ScanJob, build_scan


def build(job: ScanJob) -> ScanFunction:
    real = build_scan(job)

    def scan(raw: bytes) -> ScanResult:
        if b"X-Test-Crash: yes" in raw:
            os._exit(3)
        if b"X-Test-Hang: yes" in raw:
            time.sleep(3600)
        if b"X-Test-Slow: yes" in raw:
            time.sleep(0.5)
        if b"X-Test-Raise: yes" in raw:
            raise ValueError("a bug in an extractor")
        return real(raw)

    return scan
