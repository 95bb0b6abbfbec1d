"""``keyed_digester(secret, entity_type)`` and ``masker(style)`` make what ``keyed_digest`` and
``masked_preview`` make."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import keyed_digest, keyed_digester, masked_preview, masker

SECRETS = st.sampled_from([b"s" * 16, b"another-secret-of-some-length", b"k" * 80])
TYPES = st.sampled_from(["US_SSN", "PERSON", "EMAIL_ADDRESS", "SPECIAL_EDUCATION", "é"])
VALUES = st.one_of(
    st.text(max_size=24),
    st.text(alphabet="0123456789- ()./xAbc\u0663", max_size=16),
)


@settings(max_examples=500, deadline=None)
@given(SECRETS, TYPES, st.lists(VALUES, max_size=6))
def test_digester_is_keyed_digest(secret: bytes, entity_type: str, values: list[str]) -> None:
    digest = keyed_digester(secret, entity_type)
    for value in values:
        assert digest(value) == keyed_digest(secret, entity_type, value)


def old_masked_preview(value: str, style: str) -> str:
    """``masked_preview``'s style dispatch before it was a table (last4 as it is)."""
    if style == "term":
        return " ".join(value.split())
    if style == "hidden":
        return "********"
    if style == "email":
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if style == "date":
        return re.sub(r"\d", "*", value)
    if style == "words":
        return re.sub(r"(?<=[A-Za-z0-9])[A-Za-z0-9]", "*", value)
    return masked_preview(value, "last4")


STYLES = st.sampled_from(["term", "hidden", "email", "date", "words", "last4", "other", ""])


@settings(max_examples=500, deadline=None)
@given(STYLES, VALUES)
def test_maskers_are_the_styles(style: str, value: str) -> None:
    assert masker(style)(value) == masked_preview(value, style) == old_masked_preview(value, style)
