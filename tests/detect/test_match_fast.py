"""The per-match fast paths give what the general ones gave: the context score settled inline
(``ContextRule.score``), each regex match evaluated inline (``find_in_windows``) and the
duplicate rule's shortcut for matches that overlap nothing (``remove_duplicates``). The old
code of each is kept here as the reference."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import (
    NEGATIVE_FACTOR,
    ContextRule,
    TextContext,
    boosted,
    context_of,
)
from dlp.detect.dedupe import _grouping, _ranking, remove_duplicates
from dlp.detect.matches import RawMatch
from dlp.detect.pattern_recognizer import DataPatternRecognizer
from dlp.detect.text_columns import column_header
from dlp.detect.text_index import TextIndexer
from tests.detect.context_rules import LABEL_RULES

RULES = [
    *LABEL_RULES,
    # Negative words that run on from a positive one ("id" then "id#"): the gap after the
    # positive word can hold a negative word's end.
    ContextRule(("ssn", "id", "no"), 30, 30, ("p.o.", "no.", "lot #", "apt-", "id#", "ssn -")),
]
INDEXER = TextIndexer((), tuple({word for rule in RULES for word in rule.words if rule.indexed}))
PIECES = [
    "SSN ", "ssn: ", "Room ", "room", "lot ", "Order # ", "invoice ", "student id ", "ssid ",
    "phone ", ". The ", ".\n\n", "\n", " x ", "x " * 8, "Mr. ", "\t", "|", ", ", " ", "'",
    "4481902", "536-22-1234", "#", ": ", "p.o.", "No. ", "apt-", "lot#", "ID", " - ",
    "ssn - ", "no. 4481902",
    "Student ID: ", "ss:", "SS No.", "ss no. ", "SALÓN ", "ſs:", "ID:", ".:", "S:",
    "Student ID\tPhone\n", "SSN|Name|Room\n", "\r\n",
    # Whole tables: their cells take their column's header as context.
    "\nStudent ID\tPhone\n4481902\t536-22-1234\n 4481902 \t x\n",
    "\nSSN|Name|Room\n536-22-1234|x|4481902\n",
    "\nSSN, Name, Room\r\n'536-22-1234', x, 4481902\r\n",
]  # fmt: skip
NUMBERS = re.compile(r"\d[\d-]*")


def old_score(
    rule: ContextRule, context: TextContext, start: int, end: int, base: float
) -> tuple[float, tuple[str, ...]]:
    """``ContextRule.score`` before its common case was made inline."""
    header = column_header(context.text, start, end) if context.text else None
    if header is not None:
        return rule._score_in_column(context, header, start, base)
    words, closest = rule._positive(context, start, end)
    if rule._negative is not None and rule._negative_nearer(context.text, start, end, closest):
        return base * NEGATIVE_FACTOR, ()
    return boosted(base, words), words


def contexts(text: str, cut: int, extra: str) -> list[TextContext]:
    """The text on its own, with a segment context, and packed as two cells with headers."""
    plain = context_of(INDEXER, text, extra)
    cut = min(cut, len(text))
    headers = ("SSN", "Room")
    packed = TextContext(
        INDEXER,
        plain.index,
        plain.extra,
        (0, cut),
        tuple(frozenset(INDEXER.phrases_in(header)) for header in headers),
        text,
        extra,
        headers,
    )
    return [plain, packed]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=14),
    st.integers(0, 60),
    st.sampled_from(["", "Student SSN", "room"]),
    st.sampled_from([0.05, 0.3, 0.5, 1.0]),
)
def test_score_as_before(pieces: list[str], cut: int, extra: str, base: float) -> None:
    text = "".join(pieces)
    for context in contexts(text, cut, extra):
        for rule in RULES:
            for found in NUMBERS.finditer(text):
                start, end = found.span()
                assert rule.score(context, start, end, base) == old_score(
                    rule, context, start, end, base
                )


def test_a_negative_word_that_runs_on_from_a_positive_one() -> None:
    # "no." ends after "no" does: nearer the value, it wins (the gap ". " is not skipped).
    rule = RULES[-1]
    for text in ("no. 4481902", "No. 4481902", "ssn - 4481902", "ssn: 4481902", "id 4481902"):
        start = text.index("4481902")
        context = context_of(INDEXER, text)
        assert rule.score(context, start, start + 7, 0.5) == old_score(
            rule, context, start, start + 7, 0.5
        )
    assert rule.score(context_of(INDEXER, "no. 4481902"), 4, 11, 0.5) == (0.15, ())


def old_find_in_windows(
    recognizer: DataPatternRecognizer,
    text: str,
    pattern_index: int,
    windows: list[tuple[int, int]],
    context: TextContext,
) -> list[RawMatch]:
    """``find_in_windows`` before ``_evaluate`` was made inline in it."""
    found = []
    for window_start, window_end in windows:
        for match in recognizer.compiled[pattern_index].finditer(text, window_start, window_end):
            result = recognizer._evaluate(text, match, pattern_index, context)
            if result is not None:
                found.append(result)
    return found


VALUES = [
    "536-22-1234", "666-12-3456", "123456789", "4111 1111 1111 1111", "4111 1111 1111 1112",
    "02/30/2021", "12/05/2019", "(555) 123-4567", "(212) 555-0199", "4481902", "a@b.example",
    "lee@school.org", " SSN ", " student ID: ", " room ", " phone ", ". The ", "\n", "\t",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(VALUES), max_size=12),
    st.lists(st.tuples(st.integers(0, 120), st.integers(0, 60)), max_size=3),
)
def test_find_in_windows_as_before(scanner, values: list[str], spans: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    text = "".join(values)
    windows = [(0, len(text))] + [(low, low + width) for low, width in spans]
    context = context_of(scanner.indexer, text, "")
    for recognizer in scanner.pattern_recognizers:
        for index in range(len(recognizer.compiled)):
            assert recognizer.find_in_windows(text, index, windows, context) == (
                old_find_in_windows(recognizer, text, index, windows, context)
            )


FLOOR_VALUES = [
    *VALUES, "order ", "invoice # ", "SSN: ", "Student ID\t", "|", " x ", "No. ", "4481902 ",
    "123456789 ", "room 4481902",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(FLOOR_VALUES), max_size=12),
    st.sampled_from([0.05, 0.1, 0.4, 0.5, 0.8]),
    st.sampled_from(["", "Student ID", "room"]),
)
def test_find_in_windows_under_a_floor(scanner, values: list[str], floor: float, extra: str):  # type: ignore[no-untyped-def]
    """With a floor, the matches it gives without one that score at least the floor."""
    text = "".join(values)
    windows = [(0, len(text))]
    context = context_of(scanner.indexer, text, extra)
    for recognizer in scanner.pattern_recognizers:
        for index in range(len(recognizer.compiled)):
            everything = recognizer.find_in_windows(text, index, windows, context)
            assert recognizer.find_in_windows(text, index, windows, context, floor) == [
                match for match in everything if match.score >= floor
            ]


def old_remove_duplicates(matches: list[RawMatch]) -> list[RawMatch]:
    """``remove_duplicates`` before its shortcut for a match that overlaps nothing."""
    unique: dict[tuple[str, int, int, str], RawMatch] = {}
    for match in matches:
        unique.setdefault((match.entity_type, match.start, match.end, str(match.score)), match)
    kept: list[RawMatch] = []
    active: list[RawMatch] = []
    entity_type = None
    for match in sorted(unique.values(), key=_grouping):
        if match.entity_type != entity_type:
            entity_type, active = match.entity_type, []
        if match.score == 0:
            continue
        start, end, score = match.start, match.end, match.score
        if active:
            active = [other for other in active if other.end >= start]
            if any(
                start >= other.start and end <= other.end and score <= other.score
                for other in active
            ):
                continue
        kept.append(match)
        active.append(match)
    kept.sort(key=_ranking)
    return kept


MATCHES = st.builds(
    lambda entity, start, length, score, pattern: RawMatch(
        entity, start, start + length, score, "R", pattern
    ),
    st.sampled_from(["US_SSN", "PERSON", "PHONE_NUMBER"]),
    st.integers(-3, 40),
    st.integers(0, 12),
    st.sampled_from([0.0, -0.0, 0, 0.05, 0.4, 0.5, 0.85, 1.0, 1, True, float("nan")]),
    st.sampled_from(["a", "b"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(MATCHES, max_size=30))
def test_remove_duplicates_as_before(matches: list[RawMatch]) -> None:
    ours, theirs = remove_duplicates(matches), old_remove_duplicates(matches)
    assert ours == theirs
    assert all(a is b for a, b in zip(ours, theirs, strict=True))
