"""The keyed digest made from HMAC's two hashes with the key already read is ``hmac``'s own,
for any secret (shorter, as long as and longer than SHA-256's block), entity type and value."""

from __future__ import annotations

import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import canonical_value, keyed_digest


def by_hmac(secret: bytes, entity_type: str, value: str) -> str:
    """The digest as it was first made: ``hmac.digest`` over the whole message."""
    message = f"{entity_type}\x1f{canonical_value(entity_type, value)}".encode()
    return hmac.digest(secret, message, "sha256")[:16].hex()


SECRETS = st.binary(min_size=16, max_size=200) | st.sampled_from(
    [b"k" * 63, b"k" * 64, b"k" * 65, b"benchmark-secret-0123456789abcdef"]
)


@settings(max_examples=400, deadline=None)
@given(SECRETS, st.sampled_from(["US_SSN", "EMAIL_ADDRESS", "PERSON", "é"]), st.text(max_size=40))
def test_keyed_digest_is_hmac(secret: bytes, entity_type: str, value: str) -> None:
    assert keyed_digest(secret, entity_type, value) == by_hmac(secret, entity_type, value)


def test_the_same_twice_and_apart_by_secret_and_type() -> None:
    secret = b"benchmark-secret-0123456789abcdef"
    first = keyed_digest(secret, "US_SSN", "536-22-5570")
    assert first == keyed_digest(secret, "US_SSN", "536225570")  # the canonical value
    assert first != keyed_digest(secret, "STUDENT_ID", "536-22-5570")
    assert first != keyed_digest(secret[::-1], "US_SSN", "536-22-5570")
    assert first == by_hmac(secret, "US_SSN", "536-22-5570")
