"""Totals over every file's result, gathered in one pass with bounded memory.

Per-file detail is kept only for the files most at risk (``top``) and the first files that could
not be read (``problems``); everything else is counters.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from dlp.export import result as r

TOP_FILES = 100
MAX_PROBLEM_FILES = 200


@dataclass
class Group:
    """Totals for one owner or one folder."""

    files: int = 0
    flagged: int = 0
    findings: int = 0
    risk: float = 0.0


@dataclass
class Summary:
    files: int = 0
    bytes: int = 0
    chars: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    files_by_category: Counter[str] = field(default_factory=Counter)
    by_clause: Counter[str] = field(default_factory=Counter)
    files_by_clause: Counter[str] = field(default_factory=Counter)
    by_entity: Counter[str] = field(default_factory=Counter)
    flagged_by_exposure: Counter[str] = field(default_factory=Counter)
    by_owner: dict[str, Group] = field(default_factory=dict)
    by_folder: dict[str, Group] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[r.FileResult] = field(default_factory=list)
    seconds_read: float = 0.0
    seconds_extract: float = 0.0
    seconds_detect: float = 0.0
    ocr_pages: int = 0
    seconds_ocr: float = 0.0
    _top: list[tuple[float, str, r.FileResult]] = field(default_factory=list)

    def add(self, result: r.FileResult) -> None:
        self.files += 1
        self.bytes += result.size
        self.chars += result.chars
        self.by_status[result.status] += 1
        self.seconds_read += result.seconds_read
        self.seconds_extract += result.seconds_extract
        self.seconds_detect += result.seconds_detect
        self.ocr_pages += result.ocr_pages
        self.seconds_ocr += result.seconds_ocr
        if result.status == r.UNCHANGED:
            return
        flagged = result.findings_total > 0
        for group in (
            self.by_owner.setdefault(result.owner, Group()),
            self.by_folder.setdefault(result.folder, Group()),
        ):
            group.files += 1
            group.flagged += flagged
            group.findings += result.findings_total
            group.risk += result.risk
        self.findings += result.findings_total
        self.by_category.update(result.categories)
        self.files_by_category.update(result.categories.keys())
        self.by_clause.update(result.clauses)
        self.files_by_clause.update(result.clauses.keys())
        self.by_entity.update(result.counts)
        for item in result.unscannable:
            self.reasons[str(item["reason"])] += 1
        if flagged:
            self.flagged_by_exposure[result.exposure] += 1
            entry = (result.risk, result.key, result)
            # Highest risk kept; ties broken by path so the report is the same on every run.
            if len(self._top) < TOP_FILES:
                heapq.heappush(self._top, (result.risk, _reverse(result.key), result))
            elif entry[0] > self._top[0][0]:
                heapq.heapreplace(self._top, (result.risk, _reverse(result.key), result))
        # Media skipped by type are counted (``by_status``, ``reasons``), not listed: a drive
        # holds thousands of photos, and they must not crowd out the files that failed.
        if (
            result.unscannable_total
            and result.status != r.NOT_SCANNED
            and len(self.problems) < MAX_PROBLEM_FILES
        ):
            self.problems.append(result)

    @property
    def top(self) -> list[r.FileResult]:
        """The files most at risk, highest first."""
        ordered = sorted(self._top, key=lambda item: (-item[0], item[2].key))
        return [item[2] for item in ordered]

    @property
    def flagged(self) -> int:
        return self.by_status[r.FINDINGS]


def _reverse(key: str) -> str:
    """Heap order among equal risks: the path later in order is dropped first."""
    return "".join(chr(0x10FFFF - min(ord(c), 0x10FFFF)) for c in key)
