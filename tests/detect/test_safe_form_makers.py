"""``keyed_digester(secret, entity_type)`` digests a value as ``keyed_digest`` does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import keyed_digest, keyed_digester

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
