"""What every gateway of one quarantine must share: its key, and the digest secret.

Several gateways may share one quarantine (PostgreSQL), and one gateway's host may be rebuilt.
A gateway started without a copy of the quarantine key would make a key of its own and seal
under it: its held messages would open on no other instance's triage, and would be lost with
its host. One started without the digest secret would make a new secret: its findings' digests
would no longer match the quarantine's, the audit log's or the policy's allow list (by digest),
and nothing would say so. So the quarantine records, in ``quarantine_settings``, the ids of
the keys it has been sealed under and the fingerprint of its first gateway's digest secret,
and a gateway with neither refuses to start (`smtp_gateway.holding.open_holder`). Neither
record reveals anything about the key or the secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from dlp.quarantine import schema
from dlp.quarantine.crypto import QuarantineKeyError

if TYPE_CHECKING:
    from dlp.quarantine.store import QuarantineStore

KEYS = "quarantine_keys"  # the ids of every key the quarantine was sealed under, comma-separated
DIGEST_SECRET = "digest_secret"  # the fingerprint of the digest secret


class SecretMismatch(ValueError):
    """A digest secret other than the one this quarantine's findings are keyed with."""


def setting(store: QuarantineStore, name: str) -> str | None:
    table = schema.settings
    with store.engine.connect() as connection:
        value: str | None = connection.execute(
            select(table.c.value).where(table.c.name == name)
        ).scalar()
    return value


def _record_first(store: QuarantineStore, name: str, value: str) -> str | None:
    """Records ``value`` unless a value is there already; returns the one that was there (for
    a gateway that started at the same moment, the one it recorded), or None."""
    try:
        with store.engine.begin() as connection:
            connection.execute(insert(schema.settings).values(name=name, value=value))
        return None
    except IntegrityError:  # another gateway recorded its own just now
        return setting(store, name)


def _replace(store: QuarantineStore, name: str, value: str) -> str | None:
    """Sets ``value``; returns the one it replaces, or None."""
    table = schema.settings
    with store.engine.begin() as connection:
        before: str | None = connection.execute(
            select(table.c.value).where(table.c.name == name)
        ).scalar()
        if before is None:
            connection.execute(insert(table).values(name=name, value=value))
        else:
            connection.execute(update(table).where(table.c.name == name).values(value=value))
    return before


def check_key(store: QuarantineStore, source: str = "this key") -> None:
    """Refuse a key this quarantine was never sealed under (neither the current key of the
    store's keyring nor an old one loaded with it for rotation); the first gateway's key is
    recorded. ``source`` names where the key came from, for the message."""
    current = store.keyring.current.key_id
    known = {key.key_id for key in (*store.keyring.old, store.keyring.current)}
    recorded = setting(store, KEYS)
    if recorded is None:
        if not _holds_some_under(store, known):
            raise _foreign_key(source, current)
        recorded = _record_first(store, KEYS, current)
        if recorded is None:
            return
    ids = recorded.split(",")
    if known.isdisjoint(ids):
        raise _foreign_key(source, current)
    if current not in ids:  # a rotation: the new key is this quarantine's too
        record_current_key(store)


def record_current_key(store: QuarantineStore) -> None:
    """Adds the keyring's current key to the quarantine's (after `QuarantineStore.rotate`)."""
    current = store.keyring.current.key_id
    table = schema.settings
    with store.engine.begin() as connection:
        recorded = connection.execute(select(table.c.value).where(table.c.name == KEYS)).scalar()
        if recorded is None:
            connection.execute(insert(table).values(name=KEYS, value=current))
        elif current not in recorded.split(","):
            connection.execute(
                update(table).where(table.c.name == KEYS).values(value=f"{recorded},{current}")
            )


def _holds_some_under(store: QuarantineStore, known: set[str]) -> bool:
    """A quarantine from before its keys were recorded: empty, or holding some message sealed
    under one of these keys."""
    blobs = schema.blobs
    with store.engine.connect() as connection:
        if connection.execute(select(blobs.c.held_id).limit(1)).first() is None:
            return True
        return (
            connection.execute(
                select(blobs.c.held_id).where(blobs.c.key_id.in_(sorted(known))).limit(1)
            ).first()
            is not None
        )


def _foreign_key(source: str, key_id: str) -> QuarantineKeyError:
    return QuarantineKeyError(
        f"{source} (key id {key_id}) is not this quarantine's key: nothing it holds was sealed "
        "under it or an old key loaded with it. Use the quarantine key of the instances that "
        "already share this quarantine (and their old keys, if they rotated) in place of this one."
    )


def check_digest_secret(store: QuarantineStore, fingerprint: str, source: str) -> None:
    """Refuse a digest secret other than the quarantine's; the first gateway's is recorded."""
    recorded = setting(store, DIGEST_SECRET)
    if recorded is None:
        recorded = _record_first(store, DIGEST_SECRET, fingerprint)
    if recorded is not None and recorded != fingerprint:
        raise SecretMismatch(
            f"{source} (fingerprint {fingerprint}) is not the secret this quarantine's findings "
            f"are keyed with (fingerprint {recorded}): their digests, the audit log's and the "
            "allow list's would not match. Use a copy of the secret file of the gateways that "
            "already use this quarantine; or, if the district changed its secret on purpose, "
            "record the new one with `dlp quarantine adopt-secret`."
        )


def adopt_digest_secret(store: QuarantineStore, fingerprint: str) -> str | None:
    """Records ``fingerprint`` as the quarantine's digest secret; returns the one it replaces."""
    return _replace(store, DIGEST_SECRET, fingerprint)
