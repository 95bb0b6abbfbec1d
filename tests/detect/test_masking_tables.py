"""The masked previews and canonical values made with byte tables for ASCII values are the
ones the expressions give, for ASCII and other text alike."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import canonical_value, masked_preview

VALUES = st.text(alphabet=st.sampled_from("0123456789-./ ()+#aZx@_\t٣²é"), max_size=30) | st.text(
    max_size=20
)


def by_expression(value: str) -> str:
    """``canonical_value`` as first written: the digits by an expression."""
    digits = re.sub(r"\D", "", value)
    if digits and len(digits) >= len(value) * 0.6:
        return digits
    return " ".join(value.lower().split())


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_date_preview_is_every_digit_starred(value: str) -> None:
    assert masked_preview(value, "date") == re.sub(r"\d", "*", value)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_canonical_value_is_the_expressions(value: str) -> None:
    assert canonical_value("US_SSN", value) == by_expression(value)


def test_known_forms() -> None:
    assert masked_preview("03/14/2011", "date") == "**/**/****"
    assert canonical_value("US_SSN", "536-22-5570") == "536225570"
    assert canonical_value("EMAIL_ADDRESS", "Ana.Ruiz@School.org") == "ana.ruiz@school.org"
