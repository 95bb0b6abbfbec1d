"""The masked preview's fast form for ASCII values is the per-character rule, character for
character; a finding's written form keeps its keys and their order; the nearest negative word
before a match, found from the match backwards, is the one every word's test gives."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import ContextRule, crosses_boundary
from dlp.detect.masking import canonical_value, masked_preview
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
