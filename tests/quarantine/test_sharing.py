"""What gateways sharing one quarantine must agree on, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from dlp.quarantine.crypto import QuarantineKeyError
from dlp.quarantine.sharing import (
    adopt_digest_secret,
    check_digest_secret,
    check_key,
    record_current_key,
    setting,
)
from dlp.quarantine.store import QuarantineStore
from tests.quarantine.conftest import MESSAGE, OUTSIDE, SENDER

FIRST, STRANGER = b"f" * 32, b"s" * 32


def _hold(store, decision, scan) -> str:
    return store.hold(MESSAGE, SENDER, [OUTSIDE], decision, scan, "<m@cusd.com>")


def test_the_first_key_is_the_quarantines_even_before_anything_is_held(store_url):
    # Two instances set up together, nothing held yet: the second is refused all the same.
    first = QuarantineStore.open(store_url, FIRST)
    check_key(first)
    first.close()
    stranger = QuarantineStore.open(store_url, STRANGER)
    with pytest.raises(QuarantineKeyError, match=r"^the key file k2 \(key id \w+\) is not"):
        check_key(stranger, "the key file k2")
    stranger.close()


def test_a_rotated_key_joins_the_quarantines_keys(store_url, held_decision, held_scan):
    first = QuarantineStore.open(store_url, FIRST)
    check_key(first)
    held = _hold(first, held_decision, held_scan)
    first.close()
    # The new key with the old one loaded (a rotation in progress) is accepted, and recorded.
    rotating = QuarantineStore.open(store_url, STRANGER, old_keys=[FIRST])
    check_key(rotating)
    assert rotating.rotate() == 1
    record_current_key(rotating)
    rotating.close()
    after = QuarantineStore.open(store_url, STRANGER)
    check_key(after)
    assert after.content(held) == MESSAGE
    after.close()
    keys = QuarantineStore.open(store_url, FIRST)
    check_key(keys)  # the old key is still one of the quarantine's: opens nothing new, though
    assert len(setting(keys, "quarantine_keys").split(",")) == 2
    keys.close()


def test_a_quarantine_from_before_keys_were_recorded_is_judged_by_what_it_holds(
    store_url, held_decision, held_scan
):
    first = QuarantineStore.open(store_url, FIRST)
    _hold(first, held_decision, held_scan)  # no key recorded: an older gateway held it
    first.close()
    stranger = QuarantineStore.open(store_url, STRANGER)
    with pytest.raises(QuarantineKeyError, match="not this quarantine's key"):
        check_key(stranger)
    stranger.close()
    again = QuarantineStore.open(store_url, FIRST)
    check_key(again)  # and now recorded
    assert setting(again, "quarantine_keys") == again.keyring.current.key_id
    again.close()


def test_the_first_digest_secret_is_recorded_and_another_refused(store_url):
    store = QuarantineStore.open(store_url, FIRST)
    assert setting(store, "digest_secret") is None
    check_digest_secret(store, "aaaa000011112222", "secret one")  # recorded
    check_digest_secret(store, "aaaa000011112222", "secret one")
    with pytest.raises(ValueError, match=r"^secret two \(fingerprint bbbb\w+\) is not"):
        check_digest_secret(store, "bbbb000011112222", "secret two")
    # A district that changed its secret on purpose records the new one.
    assert adopt_digest_secret(store, "bbbb000011112222") == "aaaa000011112222"
    check_digest_secret(store, "bbbb000011112222", "secret two")
    with pytest.raises(ValueError, match="adopt-secret"):
        check_digest_secret(store, "aaaa000011112222", "secret one")
    store.close()
