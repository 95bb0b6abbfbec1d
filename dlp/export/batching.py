"""Short segments (a spreadsheet's cells, a CSV's rows) checked for candidates together.

The scanner costs tens of microseconds per call whatever the length of the text, and a
spreadsheet is tens of thousands of cells, nearly all of which hold nothing. A cell can only
yield a finding where the scanner's own first passes find something in its text: a dictionary
term (the Aho-Corasick index) or a place a pattern could match (the Hyperscan prefilter, which
never misses a match of its pattern). So those two passes run once over the cells joined by
newlines, and only the cells they touch go through the full ``Scanner.scan``: every finding is
the scanner's own, and a cell they do not touch has none.

Why joining cannot hide a candidate: a newline is neither a word character nor one any pattern
edge accepts, exactly like the start or end of a text, and the patterns are checked for anchors
(``^``, ``$``, ``\\A``, ``\\Z``) that would tell the two apart: with any, or with extra
recognizers (PERSON), batching is off. Joining can only add candidates (a match across two
cells), which then costs a full scan of both and finds nothing extra. A Hypothesis test checks
the property on generated cells.
"""

from __future__ import annotations

import re

# The stdlib's own parser (as the prefilter uses it): the only exact answer about anchors.
import re._constants as sre_constants
import re._parser as sre_parse
from bisect import bisect_right

from dlp.engine import Scanner

SEPARATOR = "\n"
# Segments longer than this are prose, scanned alone: gating them would only add a pass.
MAX_SEGMENT_CHARS = 2048
MAX_BATCH_CHARS = 256 * 1024
MAX_BATCH_SEGMENTS = 512  # also how far past the per-file finding limit a file is read
_ANCHORS = frozenset({
    sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_STRING,
    sre_constants.AT_END, sre_constants.AT_END_STRING,
})


def _anchored(regex: str, flags: int) -> bool:
    def walk(items: object) -> bool:
        for op, value in items:  # type: ignore[attr-defined]
            if op == sre_constants.AT and value in _ANCHORS:
                return True
            for part in value if isinstance(value, (list, tuple)) else ():
                if isinstance(part, sre_parse.SubPattern) and walk(part):
                    return True
                if isinstance(part, (list, tuple)):
                    for inner in part:
                        if isinstance(inner, sre_parse.SubPattern) and walk(inner):
                            return True
            if isinstance(value, sre_parse.SubPattern) and walk(value):
                return True
        return False

    try:
        return walk(sre_parse.parse(regex, flags))
    except re.error:
        return True


class CandidateGate:
    """Which of many short texts could hold a finding, in two passes over all of them."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.enabled = not scanner.extra_recognizers and not any(
            _anchored(pattern.regex, recognizer.spec.flags)
            for recognizer in scanner.pattern_recognizers
            for pattern in recognizer.spec.patterns
        )

    def candidates(self, texts: list[str]) -> list[bool]:
        """True for each text the scanner's first passes touch (all True when disabled)."""
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for text in texts:
            starts.append(position)
            position += len(text)
            ends.append(position)
            position += len(SEPARATOR)
        return self.candidates_in(SEPARATOR.join(texts), starts, ends)

    def candidates_in(self, joined: str, starts: list[int], ends: list[int]) -> list[bool]:
        """The same for texts already joined: text i is ``joined[starts[i]:ends[i]]``, in
        order, and what lies between two texts is line breaks only."""
        count = len(starts)
        if not self.enabled:
            return [True] * count
        marks = [False] * count

        def touch(start: int, end: int) -> None:
            # Every non-empty text whose span meets [start, end] (a match lies inside it).
            index = max(bisect_right(starts, start) - 1, 0)
            while index < count and starts[index] <= end:
                if ends[index] >= start and ends[index] > starts[index]:
                    marks[index] = True
                index += 1

        terms, _ = self.scanner.indexer.index(joined)
        for match in terms:
            touch(match.start, match.end)
        for windows in self.scanner.prefilter.windows(joined).values():
            for start, end in windows:
                touch(start, end)
        return marks
