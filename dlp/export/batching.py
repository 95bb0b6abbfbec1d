"""Short segments (a spreadsheet's cells, a CSV's rows) checked for candidates together.

The scanner costs tens of microseconds per call whatever the length of the text, and a
spreadsheet is tens of thousands of cells, nearly all of which hold nothing. A cell can only
yield a finding where the scanner's own first passes find something in its text: a dictionary
term (the Aho-Corasick index) or a place a pattern could match (the Hyperscan prefilter, which
never misses a match of its pattern). So those two passes run once over the cells joined by
newlines, and only the cells they touch go through the full ``Scanner.scan``: every finding is
the scanner's own, and a cell they do not touch has none. A roster finds names without either
pass: with one, the cells left over are also given to the roster's own ``find``, one by one
(as the scan would), and the ones it matches are candidates too. A name from the shipped name
lists starts at a given name, whose places the index records: those cells are candidates.

The passes read the texts as they are, the scan reads them folded (``dlp.detect.normalize``):
a text that folding changes is a candidate whatever the passes found in it.

Why joining cannot hide a candidate: a newline is neither a word character nor one any pattern
edge accepts, exactly like the start or end of a text, and the patterns are checked for anchors
that would tell the two apart (``\\A``, ``\\Z``, and ``^``, ``$`` without MULTILINE; with it
they are line anchors, and a line break is a line's edge either way): with any, or with extra
recognizers (a spaCy PERSON model), batching is off. Joining can only add candidates (a match
across two cells), which then costs a full scan of both and finds nothing extra. A Hypothesis
test checks the property on generated cells.
"""

from __future__ import annotations

import re

# The stdlib's own parser (as the prefilter uses it): the only exact answer about anchors.
import re._constants as sre_constants
import re._parser as sre_parse
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from dlp.detect.normalize import needs_folding
from dlp.engine import Scanner
from dlp.export.denseheaders import DenseHeaders

SEPARATOR = "\n"
# Segments longer than this are prose, scanned alone: gating them would only add a pass.
MAX_SEGMENT_CHARS = 2048
MAX_BATCH_CHARS = 256 * 1024
MAX_BATCH_SEGMENTS = 512  # also how far past the per-file finding limit a file is read
# Fewer ends than this are placed by bisection, more in numpy (a call's fixed cost).
_FEW_OFFSETS = 16
# Short texts whose context phrases the gate remembers (bounded: at most a few megabytes).
_REMEMBERED_CHARS = 64
_REMEMBERED_TEXTS = 65_536
_STRING_ANCHORS = frozenset({sre_constants.AT_BEGINNING_STRING, sre_constants.AT_END_STRING})
_ANCHORS = frozenset(
    {
        sre_constants.AT_BEGINNING,
        sre_constants.AT_BEGINNING_STRING,
        sre_constants.AT_END,
        sre_constants.AT_END_STRING,
    }
)


def _anchored(regex: str, flags: int) -> bool:
    """Whether ``regex`` holds an anchor that tells a text alone from one joined to others.

    With MULTILINE, ``^`` and ``$`` are line anchors: a text joined by line breaks starts and
    ends lines exactly where it started and ended alone, so only ``\\A`` and ``\\Z`` count."""
    anchors = _STRING_ANCHORS if flags & re.MULTILINE else _ANCHORS

    def walk(items: object) -> bool:
        for op, value in items:  # type: ignore[attr-defined]
            if op == sre_constants.AT and value in anchors:
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


def _context_bound(scanner: Scanner) -> list[frozenset[int] | None] | None:
    """For each prefilter pattern, the context phrase ids without one of which the scan does
    not run it (None: it runs regardless). The scanner's own table, read as it is; None when
    the scanner has no such table (then no pattern is taken to need context)."""
    needs = getattr(scanner, "_needs_context", None)
    ids = getattr(scanner, "_context_ids", None)
    if not isinstance(needs, list) or not isinstance(ids, list) or len(needs) != len(ids):
        return None
    return [words if needed else None for needed, words in zip(needs, ids, strict=True)]


class CandidateGate:
    """Which of many short texts could hold a finding, in two passes over all of them."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.context_bound = _context_bound(scanner)
        self.enabled = not scanner.extra_recognizers and not any(
            _anchored(pattern.regex, recognizer.spec.flags)
            for recognizer in scanner.pattern_recognizers
            for pattern in recognizer.spec.patterns
        )
        self._known: dict[str, frozenset[int]] = {}
        # Columns whose cells it passes nearly always, which a caller may leave it out for.
        self.dense = DenseHeaders()

    def _phrases(self, text: str, local: dict[str, frozenset[int]]) -> frozenset[int]:
        """Context phrase ids in ``text``, remembered: cells and headers repeat across a
        sheet and across files ("B+", "95", "Room"), and each distinct one is indexed once
        (a long one once per call, in ``local``)."""
        known = self._known if len(text) <= _REMEMBERED_CHARS else local
        found = known.get(text)
        if found is None:
            found = frozenset(self.scanner.indexer.phrases_in(text))
            if len(known) >= _REMEMBERED_TEXTS:
                known.clear()
            known[text] = found
        return found

    def _mark_bound(
        self,
        bound_ends: list[tuple[frozenset[int], list[int]]],
        joined: str,
        spans: _Spans,
        headers: Sequence[str],
        marks: list[bool],
    ) -> None:
        """A text touched only by ends of patterns that count only with context is a
        candidate when one of their context words is in the text's header or in the text
        itself. Each text is judged once per pattern, however many ends it holds (a column
        of numbers has several in every cell: where a text lies is found in numpy)."""
        starts, ends = spans.starts, spans.ends
        known = self._known
        local: dict[str, frozenset[int]] = {}
        for bound, offsets in bound_ends:
            for index in spans.holding(offsets):
                if not marks[index]:
                    header = headers[index]
                    present = known.get(header)
                    if present is None:
                        present = self._phrases(header, local)
                    if bound.isdisjoint(present):
                        text = joined[starts[index] : ends[index]]
                        present = known.get(text)
                        if present is None:
                            present = self._phrases(text, local)
                    marks[index] = not bound.isdisjoint(present)

    @staticmethod
    def _mark_folded(joined: str, starts: list[int], ends: list[int], marks: list[bool]) -> None:
        """A text the scan folds is a candidate: the scan reads the folded text
        (``dlp.detect.normalize.fold``), where a character the passes here saw (a soft
        hyphen, a control character, a full-width digit) is gone or another, and a term or a
        pattern can be whole there that was not here ("grade\u00ad B+")."""
        for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
            if not marks[index] and end > start and needs_folding(joined[start:end]):
                marks[index] = True

    def candidates(self, texts: list[str], headers: Sequence[str] | None = None) -> list[bool]:
        """True for each text the scanner's first passes touch (all True when disabled).
        ``headers``: each text's context, as its segment would carry it."""
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for text in texts:
            starts.append(position)
            position += len(text)
            ends.append(position)
            position += len(SEPARATOR)
        return self.candidates_in(SEPARATOR.join(texts), starts, ends, headers)

    def candidates_in(
        self,
        joined: str,
        starts: list[int],
        ends: list[int],
        headers: Sequence[str] | None = None,
    ) -> list[bool]:
        """The same for texts already joined: text i is ``joined[starts[i]:ends[i]]``, in
        order, and what lies between two texts is line breaks only.

        With ``headers`` (each text's context), a text touched only by windows of patterns
        that count only with context is a candidate only when one of their context words is
        in the text or its header: otherwise the scan would not run those patterns on it
        (``Scanner.raw_matches``), and a column of room numbers costs no scans.
        """
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

        scanner = self.scanner
        terms, places = scanner.indexer.index(joined)
        for match in terms:
            touch(match.start, match.end)
        if scanner.names is not None:
            # A name ("Lisa Woods") starts at a capitalized given name the index recorded.
            for start, end in places.given_names:
                touch(start, end)
        bound_table = self.context_bound if headers is not None else None
        # A match of the scan's, in a text alone, ends where the prefilter reports an end in
        # that text here: only the texts holding a reported end are touched. (The windows
        # reach a pattern's width before an end and PAD after it, and neighbouring ones
        # merge: over a row of short cells they would cover the names and grades between two
        # IDs. The ends themselves do not.) Patterns that count only with context come last,
        # once every other pass has marked its texts: a marked text needs no context check.
        bound_ends: list[tuple[frozenset[int], list[int]]] = []
        spans = _Spans(starts, ends)
        for pattern, offsets in scanner.prefilter.ends(joined).items():
            bound = bound_table[pattern] if bound_table is not None else None
            if bound is not None:
                bound_ends.append((bound, offsets))
            else:
                for index in spans.holding(offsets):
                    marks[index] = True
        if bound_ends:
            assert headers is not None
            self._mark_bound(bound_ends, joined, spans, headers, marks)
        if needs_folding(joined):
            self._mark_folded(joined, starts, ends, marks)
        roster = scanner.roster
        if roster is not None:
            # A roster name ("Lisa Woods") needs no term or pattern: the roster's own pass
            # decides, on each text the first two passes left out, exactly as the scan would.
            for index in range(count):
                if not marks[index] and ends[index] > starts[index]:
                    marks[index] = bool(roster.find(joined[starts[index] : ends[index]]))
        return marks


class _Spans:
    """The texts' spans, and which non-empty texts hold given offsets (a text holds an offset
    from its start to its end, both included)."""

    __slots__ = ("_arrays", "ends", "starts")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends
        self._arrays: tuple[np.ndarray, np.ndarray, bool] | None = None

    def holding(self, offsets: list[int]) -> list[int]:
        """The non-empty texts holding any of ``offsets`` (sorted), each once, in order."""
        if len(offsets) < _FEW_OFFSETS:
            return self._bisected(offsets)
        count = len(self.starts)
        if self._arrays is None:
            low = np.asarray(self.starts, dtype=np.int64)
            high = np.asarray(self.ends, dtype=np.int64)
            # Texts apart (a line break at least between two): an offset lies in one text at
            # most, the first that ends at or after it.
            apart = count < 2 or bool((low[1:] > high[:-1]).all())
            self._arrays = (low, high, apart)
        low, high, apart = self._arrays
        if not apart:
            return self._bisected(offsets)
        at = np.asarray(offsets, dtype=np.int64)
        index = np.searchsorted(high, at, side="left")
        inside = index < count
        index, at = index[inside], at[inside]
        held: list[int] = index[(low[index] <= at) & (high[index] > low[index])].tolist()
        return sorted(set(held))

    def _bisected(self, offsets: list[int]) -> list[int]:
        starts, ends = self.starts, self.ends
        count = len(starts)
        found: set[int] = set()
        for offset in offsets:
            index = bisect_left(ends, offset)
            while index < count and starts[index] <= offset:
                if ends[index] > starts[index]:
                    found.add(index)
                index += 1
        return sorted(found)
