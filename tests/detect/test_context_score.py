"""A match's context score, with the negative words after it looked for only when they can
decide, is the score of every negative word compared (the old ``score`` kept here)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import (
    _BOUNDARY,
    NEGATIVE_FACTOR,
    ContextRule,
    _negative_ends,
    boosted,
    context_of,
    negative_pattern,
)
from dlp.detect.text_columns import column_header
from dlp.detect.text_index import TextIndexer

RULES = [
    ContextRule(("ssn", "social security"), 40, 20, ("room", "lot", "order")),
    ContextRule(("student id", "ssid"), 12, 30, ("room", "invoice", "order #")),
    ContextRule(("ssn", "phone"), 25, 25, ("room",), indexed=False),
    ContextRule(("ssn",), 30, 30),
]
INDEXER = TextIndexer((), tuple({word for rule in RULES for word in rule.words if rule.indexed}))
PIECES = [
    "SSN ", "ssn: ", "Room ", "room", "lot ", "Order # ", "invoice ", "student id ", "ssid ",
    "phone ", ". The ", ".\n\n", "\n", " x ", "x " * 8, "Mr. ", "\t", "|",
]  # fmt: skip


def scored_as_before(rule: ContextRule, text: str, start: int, end: int) -> tuple[object, ...]:
    """``ContextRule.score`` as it was: the nearest negative word on both sides, compared."""
    context = context_of(INDEXER, text)
    if column_header(text, start, end) is not None:
        score, words = rule.score(context, start, end, 0.5)  # the column path is unchanged
        return (score, *words)
    words, closest = rule._positive(context, start, end)
    if rule._negative is not None:
        against = rule._nearest_negative(text, start, end)
        if against is not None and (closest is None or against < closest):
            return (0.5 * NEGATIVE_FACTOR,)
    return (boosted(0.5, words), *words)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(RULES),
    st.lists(st.sampled_from(PIECES), max_size=10),
    st.lists(st.sampled_from(PIECES), max_size=10),
)
def test_score_as_before(rule: ContextRule, before: list[str], after: list[str]) -> None:
    head = "".join(before)
    text = head + "536-22-1234" + " " + "".join(after)
    start, end = len(head), len(head) + 11
    score, words = rule.score(context_of(INDEXER, text), start, end, 0.5)
    assert (score, *words) == scored_as_before(rule, text, start, end)


def test_a_label_before_and_a_negative_word_after() -> None:
    rule = RULES[0]
    text = "SSN: 536-22-1234 room 4"
    score, words = rule.score(context_of(INDEXER, text), 5, 16, 0.5)
    assert words == ("ssn",) and score == boosted(0.5, words)
    text = "room 536-22-1234 SSN"
    score, words = rule.score(context_of(INDEXER, text), 5, 16, 0.5)
    assert words == () and score == 0.5 * NEGATIVE_FACTOR


# ``context._BOUNDARY`` as it was written: two alternatives, the blank line and the stop.
_NOT_AFTER = "".join(
    f"(?<!\\b{word}[.])"
    for word in ("[A-Z]", "Mr", "Mrs", "Ms", "Dr", "Sr", "Sra", "Srta", "St", "No", "Prof", "Jr")
)
WRITTEN_BOUNDARY = re.compile(
    rf"\n[ \t\r>]*\n|[.!?]{_NOT_AFTER}[\"')\]]*\s+(?=[A-Z\"'(\u00bf\u00a1])"
)
BOUNDARY_PIECES = [
    "\n", " ", "\t", "\r", ">", ".", "!", "?", '"', "'", ")", "]", "(", "\u00bf", "\u00a1",
    "A", "a", "x", "M", "Mr", "Mrs", "Sra", "Srta", "No", "Prof", "Jr", "St", "Ms", "Dr", "Sr",
    "word", " 4481902", "\u00e9", ". ", "? ", "!) ", ".\n\n", "\n> \n", " M. ", "Ana M. ",
    "Mr. ", "Mrs. ", "Ms. ", "Dr. ", "Sr. ", "Sra. ", "Srta. ", "St. ", "No. ", "Prof. ", "Jr. ",
    "xMrs. ", ".\" ", "Lee",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(BOUNDARY_PIECES), max_size=30),
    st.integers(0, 120),
    st.integers(0, 120),
)
def test_boundary_as_written(pieces: list[str], low: int, high: int) -> None:
    text = "".join(pieces)
    for window in ((0, len(text)), (low, high)):
        written = WRITTEN_BOUNDARY.search(text, *window)
        found = _BOUNDARY.search(text, *window)
        assert (found and found.span()) == (written and written.span())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ss", "S", "ſ", ":", ".", " ", "no", "N", "o", "#", "x", "ó", "Ó"]),
        max_size=16,
    ),
    st.lists(
        st.sampled_from(["ss:", "ss no.", "salón", "p.o.", "order #", "ssn -", "room"]),
        min_size=1,
        max_size=4,
    ),
)
def test_a_negative_match_ends_with_what_negative_ends_finds(
    pieces: list[str], words: list[str]
) -> None:
    """``_negative_ends`` finds something in the two characters before the end of every match
    of the negative words' expression: where it finds nothing in a gap, no negative word ends
    there (``ContextRule.scorer`` skips the search then)."""
    text = "".join(pieces)
    ends = _negative_ends(words)
    for found in negative_pattern(words).finditer(text):
        assert ends.search(text, max(0, found.end() - 2), found.end()) is not None
