"""Sealing on its own: the AEAD binds a ciphertext to its quarantine id, whatever the hash says.

`QuarantineStore.content` also compares the opened bytes with the stored SHA-256, which hides a
missing binding whenever the two messages differ. These tests leave no such second check: the
same bytes under two ids, so only the associated data can tell the rows apart.
"""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from dlp.quarantine import schema
from dlp.quarantine.crypto import Keyring, QuarantineKeyError, Sealed
from dlp.quarantine.store import IntegrityError

from .conftest import KEY, MESSAGE, OUTSIDE, SENDER

FIRST, SECOND = "a1b2c3d4e5f60718", "0000000000000001"


def test_a_ciphertext_opens_only_under_the_id_it_was_sealed_for() -> None:
    keyring = Keyring.of(KEY)
    sealed = keyring.seal(FIRST, MESSAGE)
    assert keyring.open(FIRST, sealed) == MESSAGE
    for other in (SECOND, FIRST.upper(), FIRST + "0", FIRST[:-1], ""):
        with pytest.raises(QuarantineKeyError, match="does not authenticate"):
            keyring.open(other, sealed)


def test_the_key_id_is_bound_too() -> None:
    """A row relabelled with another loaded key's id does not open under the right key."""
    old, current = bytes(range(32)), bytes(range(1, 33))
    keyring = Keyring.of(current, [old])
    sealed = Keyring.of(old).seal(FIRST, MESSAGE)
    assert keyring.open(FIRST, sealed) == MESSAGE
    relabelled = Sealed(keyring.current.key_id, sealed.nonce, sealed.ciphertext)
    with pytest.raises(QuarantineKeyError):
        keyring.open(FIRST, relabelled)


def test_the_associated_data_is_really_used() -> None:
    """Below `Keyring`: the ciphertext fails plain AES-GCM without associated data, under the
    key `Keyring` derives, so the id is not merely checked by our code beside the cipher."""
    keyring = Keyring.of(KEY)
    sealed = keyring.seal(FIRST, MESSAGE)
    aead: AESGCM = keyring.current.aead()
    with pytest.raises(InvalidTag):
        aead.decrypt(sealed.nonce, sealed.ciphertext, None)


def test_a_row_copied_onto_a_hold_of_the_same_message_does_not_open(
    store, held_decision, held_scan
) -> None:
    """The same message held twice (same SHA-256; from two senders, or the holds would merge):
    one's sealed bytes moved onto the other's row pass the hash check, so only the binding
    refuses them."""
    first = store.hold(MESSAGE, SENDER, [OUTSIDE], held_decision, held_scan, "<m@cusd.com>")
    second = store.hold(
        MESSAGE, "other.sender@cusd.com", [OUTSIDE], held_decision, held_scan, "<m@cusd.com>"
    )
    assert first != second
    assert store.get(first).sha256 == store.get(second).sha256
    with store.engine.begin() as connection:
        other = connection.execute(
            select(schema.blobs).where(schema.blobs.c.held_id == second)
        ).one()
        connection.execute(
            update(schema.blobs)
            .where(schema.blobs.c.held_id == first)
            .values(key_id=other.key_id, nonce=other.nonce, ciphertext=other.ciphertext)
        )
    with pytest.raises(IntegrityError, match="does not authenticate"):
        store.content(first)
    assert store.content(second) == MESSAGE
