"""The masked preview's fast form for ASCII values is the per-character rule, character for
character; a finding's written form keeps its keys and their order; the nearest negative word
before a match, found from the match backwards, is the one every word's test gives; the phrases
near a match, walked inline, are those ``ContextIndex.near`` gives."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import AFTER, ContextRule, TextContext, context_of, crosses_boundary
from dlp.detect.masking import canonical_value, masked_preview
from dlp.detect.text_index import TextIndexer
from dlp.model import Category, Finding, Location, TextAt

_NON_DIGITS = re.compile(r"\D")


def per_character_last4(value: str) -> str:
    """The rule as it was first written: one step per character."""
    total = len(_NON_DIGITS.sub("", value))
    if total == 0:
        return "*" * len(value)
    keep_from = max(total - 4, total // 2)
    seen, out = 0, []
    for char in value:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        elif char.isalpha():
            out.append("*")
        else:
            out.append(char)
    return "".join(out)


VALUES = st.text(alphabet=st.sampled_from("0123456789-. ()+/#aZxk@_\t٣²é"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_last4_is_the_per_character_rule(value: str) -> None:
    assert masked_preview(value, "last4") == per_character_last4(value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_last4_on_any_text(value: str) -> None:
    assert masked_preview(value, "last4") == per_character_last4(value)


def test_known_previews() -> None:
    assert masked_preview("123-45-6789", "last4") == "***-**-6789"
    assert masked_preview("(555) 010-7788", "last4") == "(***) ***-7788"
    assert masked_preview("AB12", "last4") == "***2"  # half the digits stay hidden
    assert masked_preview("1", "last4") == "1"
    assert masked_preview("--", "last4") == "**"


def _finding(subject: str | None, opt_out: bool, at: TextAt | None) -> Finding:
    return Finding(
        "US_SSN",
        Category.IDENTIFIER,
        5,
        16,
        0.85,
        "UsSsnRecognizer",
        "ssn dashed",
        "***-**-6789",
        "ab" * 16,
        ("ssn",),
        Location(path=("a.txt",)),
        subject,
        opt_out,
        at,
    )


def test_finding_written_keys_in_order() -> None:
    plain = _finding(None, False, None).to_dict()
    assert list(plain)[-2:] == ["masked", "digest"]
    assert "subject" not in plain and "line" not in plain
    full = _finding("s-1", True, TextAt(3, 7, 40)).to_dict("a.txt")
    assert list(full)[-6:] == [
        "subject",
        "directory_opt_out",
        "line",
        "column",
        "absolute_start",
        "absolute_end",
    ]
    assert (full["line"], full["column"], full["absolute_start"], full["absolute_end"]) == (
        3,
        7,
        40,
        51,
    )
    assert json.loads(json.dumps(full))["directory_opt_out"] is True


def _nearest_before_by_every_word(rule: ContextRule, text: str, start: int) -> int | None:
    """The nearest negative word before a match as first written: every one tested."""
    assert rule._negative is not None
    nearest = None
    for _, found_end in rule._negative.spans(text, max(0, start - rule.before), start):
        if not crosses_boundary(text, found_end, start):
            nearest = start - found_end
    return nearest


PIECES = ["room", "Room ", "lot", ". ", ".\n\n", "Mr. ", " x ", "Order ", "\n", "? The ", "a"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_nearest_negative_word_before_a_match(pieces: list[str]) -> None:
    rule = ContextRule(("ssn",), 40, 20, ("room", "lot", "order"))
    text = "".join(pieces) + "123456789 tail"
    start = len(text) - len("123456789 tail")
    expected_before = _nearest_before_by_every_word(rule, text, start)
    got = rule._nearest_negative(text, start, start + 9)
    after = rule._nearest_word(rule._negative, text[: start + 9], start, start + 9)
    assert got == after == expected_before


@settings(max_examples=300, deadline=None)
@given(st.one_of(VALUES, st.text(max_size=20)))
def test_canonical_value_keeps_the_digits_the_expression_keeps(value: str) -> None:
    digits = _NON_DIGITS.sub("", value)
    expected = (
        digits if digits and len(digits) >= len(value) * 0.6 else " ".join(value.lower().split())
    )
    assert canonical_value("US_SSN", value) == expected


def _nearest_through_the_index(
    rule: ContextRule, context: TextContext, start: int, end: int, wanted: frozenset[int]
) -> dict[int, int]:
    """Each wanted phrase near a match as first written: through ``ContextIndex.near``."""
    text, nearest = context.text, {}
    for phrase, phrase_start, phrase_end in context.index.near(
        start, end, rule.before, rule.after, wanted
    ):
        if phrase_end <= start:
            left, right = phrase_end, start
            if crosses_boundary(text, left, right):
                continue
        else:
            left, right = end, phrase_start
            if "\n" in text[left:right] or crosses_boundary(text, left, right):
                continue
        distance = right - left + (AFTER if phrase_end > start else 0)
        if distance < nearest.get(phrase, distance + 1):
            nearest[phrase] = distance
    return nearest


CONTEXT_PIECES = ["SSN ", "ssn: ", "social security ", "dob ", ". The ", "\n", "x " * 9, "id#"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(CONTEXT_PIECES), max_size=10),
    st.lists(st.sampled_from(CONTEXT_PIECES), max_size=10),
    st.integers(min_value=0, max_value=60),
)
def test_nearest_phrases_are_the_index_walks(
    before: list[str], after: list[str], reach: int
) -> None:
    rule = ContextRule(("ssn", "social security", "dob", "id"), reach, reach // 2 + 1)
    indexer = TextIndexer((), rule.words)
    head = "".join(before)
    text = head + "536-22-1234" + " " + "".join(after)
    start, end = len(head), len(head) + 11
    context = context_of(indexer, text)
    wanted = rule._phrase_ids(indexer)
    assert rule._nearest(context, start, end, wanted) == _nearest_through_the_index(
        rule, context, start, end, wanted
    )


def test_nearest_phrase_distance_known() -> None:
    rule = ContextRule(("ssn", "dob"), 30, 30)
    indexer = TextIndexer((), rule.words)
    text = "SSN: 536-22-1234 dob soon"
    context = context_of(indexer, text)
    found = rule._nearest(context, 5, 16, rule._phrase_ids(indexer))
    names = {indexer.phrases[phrase]: distance for phrase, distance in found.items()}
    assert names == {"ssn": 2, "dob": 1 + AFTER}
