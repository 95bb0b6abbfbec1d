"""A finding's safe forms made the quicker way are the ones the first forms give: the "words"
preview by one substitution (was a call back per word), the keyed digest hashing an ASCII
value's digits as bytes (was decoded and encoded again), a finding copied with its paragraph
slot to slot (was ``dataclasses.replace``)."""

from __future__ import annotations

import hmac
import re
from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import canonical_value, keyed_digest, masked_preview
from dlp.detect.matches import RawMatch
from dlp.frozen import quick_replace
from dlp.model import Category, Finding, Location, TextAt
from dlp.paragraphs import _placed

VALUES = st.text(alphabet=st.sampled_from("0123456789-./ ()+#aZx@_\t\x1c٣²éÅ"), max_size=30) | (
    st.text(max_size=20)
)
SECRET = b"benchmark-secret-0123456789abcdef"


def words_as_first_written(value: str) -> str:
    return re.sub(r"[A-Za-z0-9]+", lambda m: m.group()[0] + "*" * (len(m.group()) - 1), value)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_words_preview_is_the_callback_form(value: str) -> None:
    assert masked_preview(value, "words") == words_as_first_written(value)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["US_SSN", "PERSON", "é"]), VALUES)
def test_keyed_digest_is_hmac_of_the_canonical_value(entity_type: str, value: str) -> None:
    message = f"{entity_type}\x1f{canonical_value(entity_type, value)}".encode()
    expected = hmac.digest(SECRET, message, "sha256")[:16].hex()
    assert keyed_digest(SECRET, entity_type, value) == expected


def test_known_forms() -> None:
    assert masked_preview("Maria de la Cruz-Lopez", "words") == "M**** d* l* C***-L****"
    assert masked_preview("José O'Neil 3rd", "words") == "J**é O'N*** 3**"
    # A value that is mostly digits is hashed as its digits, whatever separates them.
    assert keyed_digest(SECRET, "US_SSN", "536-22-5570") == keyed_digest(
        SECRET, "US_SSN", "536 22 5570"
    )


TEXT = st.text(max_size=8)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    return Finding(
        draw(TEXT),
        Category(draw(st.sampled_from(["IDENTIFIER", "CONTACT"]))),
        draw(st.integers(0, 10**6)),
        draw(st.integers(0, 10**6)),
        draw(st.floats(allow_nan=False) | st.integers(0, 1)),
        draw(TEXT),
        draw(TEXT),
        draw(TEXT),
        draw(TEXT),
        tuple(draw(st.lists(TEXT, max_size=2))),
        Location((draw(TEXT),)),
        draw(st.none() | TEXT),
        draw(st.booleans()),
        draw(st.none() | st.builds(TextAt, st.integers(1, 99), st.integers(1, 99))),
        draw(st.none() | st.integers(-2, 9)),
    )


@settings(max_examples=300, deadline=None)
@given(findings(), st.integers(-2, 50))
def test_placed_is_replace(finding: Finding, paragraph: int) -> None:
    placed = _placed(finding, paragraph)
    expected = replace(finding, paragraph=paragraph)
    assert type(placed) is Finding and placed == expected and hash(placed) == hash(expected)
    for item in fields(Finding):
        assert getattr(placed, item.name) is getattr(expected, item.name)


def test_quick_replace_of_a_class_without_a_twin_and_what_it_refuses() -> None:
    moved = quick_replace(TextAt, "offset")(TextAt(3, 4, 5), 9)
    assert moved == TextAt(3, 4, 9) and type(moved) is TextAt
    again = quick_replace(RawMatch, "score")(RawMatch("X", 1, 2, 0.5, "R", "p"), 0.9)
    assert again == RawMatch("X", 1, 2, 0.9, "R", "p")
    with pytest.raises(TypeError):
        quick_replace(Location, "part")  # not a quick_init class
    with pytest.raises(TypeError):
        quick_replace(TextAt, "nothing")


def last4_as_first_written(value: str) -> str:
    """The last4 preview by a step per character, as it was first written."""
    total = len(re.sub(r"\D", "", value))
    if total == 0:
        return "*" * len(value)
    keep_from, seen, out = max(total - 4, total // 2), 0, []
    for char in value:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        else:
            out.append("*" if char.isalpha() else char)
    return "".join(out)


@settings(max_examples=1000, deadline=None)
@given(VALUES | st.from_regex(r"[\d()+. -]{0,16}[a-zA-Z]?\d{0,5}", fullmatch=True))
def test_last4_preview_is_the_step_per_character(value: str) -> None:
    # Twice: the first may read the form, the second finds it known.
    assert masked_preview(value, "last4") == last4_as_first_written(value)
    assert masked_preview(value, "last4") == last4_as_first_written(value)


def test_last4_known_forms() -> None:
    assert masked_preview("536-22-5570", "last4") == "***-**-5570"
    assert masked_preview("536-22-1234", "last4") == "***-**-1234"
    assert masked_preview("(559) 327-1234", "last4") == "(***) ***-1234"
    assert masked_preview("AB12345C7", "last4") == "*****45*7"
    assert masked_preview("--", "last4") == "**"
    assert masked_preview("12", "last4") == "*2"  # half the digits at least are hidden
