"""A data-defined pattern recognizer that can also scan only parts of a text.

``find()`` reads the whole text, as Presidio's ``AnalyzerEngine`` does through the adapter
(``dlp.detect.presidio_adapters``, which makes this a Presidio ``PatternRecognizer``);
``find_in_windows()`` is what the fast path calls on the windows the prefilter picked. Both go
through the same evaluation of every regex match (``_evaluate``, inline in
``find_in_windows``), so they agree whenever the windows contain every match (see
``dlp.detect.prefilter`` for why they do). No Presidio here: importing it costs most of a
second, which a scan does not need.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own parser: the widths ``re`` itself uses
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property

from dlp.detect.context import ContextRule, Scorer, TextContext, context_of
from dlp.detect.matches import RawMatch, new_raw_match
from dlp.detect.prefilter_regex import group_end, top_level_items
from dlp.detect.rules import Rule, resolve_rule
from dlp.detect.specs import EntitySpec
from dlp.detect.text_index import TextIndexer

# A pattern that opens with a lookbehind and then digits ("(?<![\w.-])\d{9}...").
_DIGIT_LEAD = re.compile(r"\(\?<!(\[(?:\\.|[^\]\\])*\])\)\\d\{(\d+)(?:,(\d+))?\}")


def digit_first(regex: str) -> str:
    r"""``regex`` with its first digit read before its opening lookbehind, when it opens with
    one and then digits: ``(?<![\w.-])\d{9}`` becomes ``\d(?<![\w.-]\d)\d{8}``, the same
    matches (the lookbehind, one digit later, looks at the same character before the first).

    Why: ``re`` tries a pattern that opens with a lookbehind at every character of a window,
    but one that opens with a character class only at the characters of that class, skipped
    to in C; in prose digits are few (the ID and SSN patterns, about 40% less regex time on
    the dense benchmark). Other patterns are returned as they are."""
    lead = _DIGIT_LEAD.match(regex)
    if lead is None or int(lead.group(2)) < 1:
        return regex
    behind, low, high = lead.group(1), int(lead.group(2)), lead.group(3)
    count = f"{{{low - 1}}}" if high is None else f"{{{low - 1},{int(high) - 1}}}"
    return rf"\d(?<!{behind}\d)\d{count}{regex[lead.end() :]}"


# A pattern that opens with a one-class lookbehind, a negative lookahead that opens with "\(",
# and then "\(" (``paren_first``).
_PAREN_LEAD = re.compile(r"\(\?<!(\[(?:\\.|[^\]\\])*\])\)\(\?!\\\(")


def paren_first(regex: str) -> str:
    r"""``regex`` with its opening "(" read before its lookarounds, when it opens with a
    one-class lookbehind, a negative lookahead that opens with "(", and then "(":
    ``(?<![\w.])(?!\(1\d\))\(\d+\)`` becomes ``\((?<![\w.]\()(?!1\d\))\d+\)``, the same
    matches (the lookbehind, one character later, looks at the same character before the
    "("; the lookahead, past the "(" both read, at the same rest).

    Why: as for ``digit_first``: ``re`` tries such a pattern at every character of a window,
    but one that opens with "(" only at the "(" characters, found in C. The national phone
    number in parentheses is given a window at every US number written "(559) 327-1234"
    (which its lookahead rejects, and the prefilter cannot read). Others are returned as
    they are."""
    lead = _PAREN_LEAD.match(regex)
    if lead is None:
        return regex
    # The lookahead (its "(" five characters before the lead's end) must hold no alternatives
    # of its own: each would have to open with "(" for the rewrite to hold.
    close = group_end(regex, lead.end() - 5) - 1
    if (
        close < 0
        or top_level_items(regex[lead.end() - 2 : close]) is None
        or not regex.startswith(r"\(", close + 1)
    ):
        return regex
    ahead = regex[lead.end() : close]
    return rf"\((?<!{lead.group(1)}\()(?!{ahead}){regex[close + 3 :]}"


# A pattern's search and finditer, base score, name and shortest match.
_PatternReads = tuple[
    Callable[[str, int, int], "re.Match[str] | None"],
    Callable[[str, int, int], Iterator["re.Match[str]"]],
    float,
    str,
    int,
]


class DataPatternRecognizer:
    def __init__(self, spec: EntitySpec) -> None:
        self.spec = spec
        self.name = spec.recognizer
        self.supported_entities = [spec.entity_type]
        # The stdlib engine with ASCII classes: faster than `regex` here, and byte-for-byte the
        # same view of the text as the prefilter, which sees non-ASCII characters as "?".
        self.compiled: tuple[re.Pattern[str], ...] = tuple(
            re.compile(paren_first(digit_first(p.regex)), spec.flags | re.ASCII)
            for p in spec.patterns
        )
        self.context_rule = ContextRule(
            tuple(spec.context_words),
            spec.context_before,
            spec.context_after,
            tuple(spec.negative_words),
            spec.context_indexed,
            spec.columns,
            spec.columns_with,
        )
        self._validate: Rule | None = resolve_rule(spec.validate) if spec.validate else None
        self._invalidate: Rule | None = resolve_rule(spec.invalidate) if spec.invalidate else None
        # The shortest match of each pattern: ``re`` finds none in less text (it checks the
        # same number, from the same parse, before it looks), so a window's rest shorter than
        # that is not searched (after most matches: what a lookahead may read).
        self._shortest = tuple(
            int(sre_parse.parse(pattern.pattern, pattern.flags).getwidth()[0])
            for pattern in self.compiled
        )
        # Read at every match: each pattern's base score and name, without three lookups.
        self._scores = tuple(p.score for p in spec.patterns)
        self._names = tuple(p.name for p in spec.patterns)
        self._entity_type, self._recognizer = spec.entity_type, spec.recognizer
        # What ``find_in_windows`` reads of a pattern, in one look-up a call (its regex's
        # bound methods made once, not at each call: a text runs a few patterns).
        self._reads: tuple[_PatternReads, ...] = tuple(
            (pattern.search, pattern.finditer, score, name, shortest)
            for pattern, score, name, shortest in zip(
                self.compiled, self._scores, self._names, self._shortest, strict=True
            )
        )

    @cached_property
    def _own_indexer(self) -> TextIndexer:
        # For `find` on its own (Presidio's analyze()); the scanner shares one indexer for
        # everything, so a scanner's recognizers never build theirs (an automaton each).
        return TextIndexer((), self.spec.context_words if self.spec.context_indexed else ())

    def validate_result(self, pattern_text: str) -> bool | None:
        return self._validate(pattern_text) if self._validate else None

    def invalidate_result(self, pattern_text: str) -> bool | None:
        return self._invalidate(pattern_text) if self._invalidate else None

    def _evaluate(
        self, text: str, match: re.Match[str], pattern_index: int, context: TextContext
    ) -> RawMatch | None:
        start, end = match.span()
        if start == end:
            return None
        value = text[start:end]
        score = self._scores[pattern_index]
        if self._validate is not None:
            verdict = self._validate(value)
            if verdict is not None:
                score = 1.0 if verdict else 0.0
        if self._invalidate is not None and self._invalidate(value):
            score = 0.0
        if score <= 0.0:
            return None
        score, words = self.context_rule.score(context, start, end, score)
        # By position: made once per match, and keywords cost a dense text a little each.
        return RawMatch(
            self._entity_type,
            start,
            end,
            score,
            self._recognizer,
            self._names[pattern_index],
            words,
        )

    def find_in_windows(
        self,
        text: str,
        pattern_index: int,
        windows: Iterable[tuple[int, int]],
        context: TextContext,
        floor: float = 0.0,
    ) -> list[RawMatch]:
        """``_evaluate`` on every match in the windows, inline (it runs once per match: the
        calls and lookups were a tenth of a finding's cost); ``tests/detect`` holds the two
        to each other. ``floor``: the matches that score under it are left out (a caller's
        threshold: their context is not all weighed, ``ContextRule.scorer``)."""
        search, finditer, base, name, shortest = self._reads[pattern_index]
        validate, invalidate = self._validate, self._invalidate
        # A pattern scored under the floor counts only with context words, which most of its
        # matches lack (a column of another kind's numbers): its ``invalidate`` rule, which
        # can only drop a match, is asked only of those that reach the floor.
        late = invalidate if base < floor else None
        if late is not None:
            invalidate = None
        checked = validate is not None or invalidate is not None
        # Made at the first match to score: a pattern's windows often hold none (a national
        # phone number's, beside each formatted one), and a rule's scorer is made per text.
        score_in_context: Scorer | None = None
        entity_type, recognizer = self._entity_type, self._recognizer
        found: list[RawMatch] = []
        append = found.append
        for window_start, window_end in windows:
            # ``finditer`` over the window, as searches from each match's end: a window holds
            # one match or none, and an iterator made per window cost more than the searches.
            # After an empty match (which no pattern here makes) the rest is read by
            # ``finditer`` itself, which steps past it as it does.
            rest = None
            match = search(text, window_start, window_end)
            while match is not None:
                start, end = match.span()
                if rest is not None:
                    match = next(rest, None)
                elif start != end:
                    match = search(text, end, window_end) if window_end - end >= shortest else None
                else:
                    rest = finditer(text, start, window_end)
                    next(rest)  # (this same empty match)
                    match = next(rest, None)
                if start == end:
                    continue
                score = base
                if checked:
                    value = text[start:end]
                    if validate is not None:
                        verdict = validate(value)
                        if verdict is not None:
                            score = 1.0 if verdict else 0.0
                    if invalidate is not None and invalidate(value):
                        score = 0.0
                if score <= 0.0:
                    continue
                if score_in_context is None:
                    score_in_context = self.context_rule.scorer(context)
                score, words = score_in_context(start, end, score, floor)
                if score < floor or (late is not None and late(text[start:end])):
                    continue
                append(new_raw_match(entity_type, start, end, score, recognizer, name, words))
        return found

    def find(self, text: str, extra_context: str = "") -> list[RawMatch]:
        whole = ((0, len(text)),)
        context = context_of(self._own_indexer, text, extra_context)
        return [
            result
            for index in range(len(self.compiled))
            for result in self.find_in_windows(text, index, whole, context)
        ]
