"""``safe_former(secret, entity_type, style)`` makes in one call what ``masked_preview`` and
``keyed_digest`` make; the "words" preview by its value's form (a %-template) is the
substitution's, and the "last4" preview of digits alone is the step per character's; an
object made through ``open_twin`` is the one its class makes."""

from __future__ import annotations

import hmac
import re
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import canonical_value, keyed_digest, masked_preview, safe_former
from dlp.frozen import open_twin
from dlp.model import Finding, Location, TextAt

SECRETS = st.sampled_from([b"s" * 16, b"another-secret-of-some-length", b"k" * 80])
TYPES = st.sampled_from(["US_SSN", "PERSON", "EMAIL_ADDRESS", "SPECIAL_EDUCATION", "é"])
STYLES = st.sampled_from(["term", "hidden", "email", "date", "words", "last4", "other", ""])
VALUES = st.one_of(
    st.text(max_size=24),
    st.text(alphabet="0123456789- ()./xAbc%s\t\x1c\u0663é", max_size=16),
    st.from_regex(r"\d{1,12}", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{0,9}( [A-Z][a-z'%-]{0,9}){0,3}", fullmatch=True),
)


@settings(max_examples=1000, deadline=None)
@given(SECRETS, TYPES, STYLES, st.lists(VALUES, max_size=6))
def test_safe_former_is_the_preview_and_the_digest(
    secret: bytes, entity_type: str, style: str, values: list[str]
) -> None:
    forms = safe_former(secret, entity_type, style)
    for value in values:
        message = f"{entity_type}\x1f{canonical_value(entity_type, value)}".encode()
        digest = hmac.digest(secret, message, "sha256")[:16].hex()
        assert forms(value) == (masked_preview(value, style), digest)
        assert keyed_digest(secret, entity_type, value) == digest


def words_by_substitution(value: str) -> str:
    return re.sub(r"(?<=[A-Za-z0-9])[A-Za-z0-9]", "*", value)


@settings(max_examples=1000, deadline=None)
@given(VALUES)
def test_words_preview_by_form_is_the_substitution(value: str) -> None:
    # Twice: the first may read the form, the second finds it known.
    assert masked_preview(value, "words") == words_by_substitution(value)
    assert masked_preview(value, "words") == words_by_substitution(value)


def test_words_known_forms() -> None:
    assert masked_preview("James Thomas", "words") == "J**** T*****"
    assert masked_preview("Ann 100% O'Neil", "words") == "A** 1**% O'N***"
    assert masked_preview("-- %s %%", "words") == "-- %s %%"
    assert masked_preview("", "words") == ""
    assert masked_preview("x", "words") == "x"


def last4_by_step(value: str) -> str:
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


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\d{1,30}", fullmatch=True) | st.text(alphabet="0123456789\u0663²"))
def test_last4_of_digits_alone_is_the_step_per_character(value: str) -> None:
    assert masked_preview(value, "last4") == last4_by_step(value)


def test_last4_digits_alone() -> None:
    assert masked_preview("7", "last4") == "7"
    assert masked_preview("12", "last4") == "*2"
    assert masked_preview("488844032", "last4") == "*****4032"
    assert masked_preview("7984679", "last4") == "***4679"


def test_open_twin_makes_what_the_class_makes() -> None:
    twin = open_twin(TextAt)
    made = object.__new__(twin)
    made.line, made.column, made.offset = 3, 7, 120
    made.__class__ = TextAt
    assert made == TextAt(3, 7, 120) and type(made) is TextAt
    with pytest.raises(FrozenInstanceError):
        made.line = 4  # type: ignore[misc]
    assert open_twin(Finding) is open_twin(Finding)
    with pytest.raises(TypeError):
        open_twin(Location)
