"""The worker's keyed digests in one C call (``hmac.digest``), and the content key made once
per secret: held to ``hmac.new`` as they were made before."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.naming import path_digest
from dlp.export.worker import content_key


@given(secret=st.binary(min_size=1, max_size=64), path=st.text(max_size=40))
def test_the_digests_are_those_made_before(secret: bytes, path: str) -> None:
    message = b"k12-dlp/export/path\x1f" + path.encode("utf-8", "surrogateescape")
    assert path_digest(secret, path) == hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
    before = hmac.new(secret, b"k12-dlp/export/content", hashlib.sha256).digest()
    assert content_key(secret) == before
    assert content_key(secret) == before  # (remembered)
