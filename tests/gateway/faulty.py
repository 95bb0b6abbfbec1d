"""A scan function for tests: the real scanner, except for messages asking it to crash or hang."""

from __future__ import annotations

import os
import time
from typing import Any

import dlp.policy.decision
from dlp.model import ScanResult
from smtp_gateway.worker import ScanFunction, ScanJob, build_scan


def _slow_decisions() -> list[bool]:
    """Make the decision in this (scanning) process hang when the flag it returns is set.

    Only this process's module is changed: a decision made anywhere else is unaffected.
    """
    flag = [False]
    real = dlp.policy.decision.content_facts

    def content_facts(*args: Any, **kwargs: Any) -> Any:
        if flag[0]:
            flag[0] = False
            time.sleep(3600)
        return real(*args, **kwargs)

    dlp.policy.decision.content_facts = content_facts  # type: ignore[assignment]
    return flag


def build(job: ScanJob) -> ScanFunction:
    real = build_scan(job)
    slow_decision = _slow_decisions()

    def scan(raw: bytes) -> ScanResult:
        if b"X-Test-Slow-Decision: yes" in raw:
            slow_decision[0] = True
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
