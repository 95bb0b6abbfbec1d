"""Columns whose cells the gate (``dlp.export.batching``) passes nearly every time.

With the memo (``cellmemo``), what reaches the gate is the cells a worker has not seen: in a
roster, its student IDs, birth dates and phone numbers, each a candidate. The gate's passes
cost more per cell than anything else the worker does around the scan, to answer what its
recent answers for that column already said. So a column (a header) whose cells the gate
found candidates at least ``SHARE`` of the time, over ``SAMPLE`` cells or more, has its next
``RUN`` cells taken as candidates without it, then is judged again. Headers are kept across
files, as the memo and the gate keep them.

Taking a text as a candidate never changes what is found: the scan finds in a text exactly
what it finds in it alone, and nothing in a text the gate would have left out (the same
reason a batch may be scanned ungated, ``worker._Scan._scan_batch``). An empty text is never
taken: it cannot hold a finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import compress

SAMPLE = 64
SHARE = 0.95
RUN = 4096
_MAX_HEADERS = 4096  # headers judged, or taken, at once (then it starts over)


class DenseHeaders:
    """Per header, the gate's recent answers, and the cells still to take without it."""

    def __init__(self) -> None:
        self._judged: dict[str, list[int]] = {}  # header: [texts judged, candidates]
        self._taken: dict[str, int] = {}  # header: texts still to take without the gate

    def taken(self, headers: Sequence[str]) -> list[bool] | None:
        """Which of the texts under ``headers`` the gate may leave out (None: none): each is
        a candidate if it is not empty."""
        taken = self._taken
        if not taken:
            return None
        flags = list(map(taken.__contains__, headers))
        if not any(flags):
            return None
        for header, count in Counter(compress(headers, flags)).items():
            left = taken[header] - count
            if left > 0:
                taken[header] = left
            else:
                del taken[header]
        return flags

    def judged(self, headers: Sequence[str], marks: Sequence[bool]) -> None:
        """The gate's answers for texts under ``headers``."""
        judged = self._judged
        if len(judged) >= _MAX_HEADERS:
            judged.clear()
        for header, mark in zip(headers, marks, strict=True):
            tally = judged.get(header)
            if tally is None:
                tally = judged[header] = [0, 0]
            tally[0] += 1
            tally[1] += mark
        for header in set(headers):
            seen, candidates = judged[header]
            if seen >= SAMPLE:
                del judged[header]
                if candidates >= SHARE * seen:
                    if len(self._taken) >= _MAX_HEADERS:
                        self._taken.clear()
                    self._taken[header] = RUN
