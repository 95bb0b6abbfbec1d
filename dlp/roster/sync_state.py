"""What a delta sync builds on: the API's records as last read, sealed at rest.

A delta (``dateLastModified`` since the last sync) changes some records; the roster store
keeps only keyed hashes, from which no record can be rebuilt, and a changed guardian changes
every student linked to them. So `dlp roster sync` keeps the records it read beside the store
(``roster.npz.sync``), sealed with AES-256-GCM under a key derived from the district's
secret for this one purpose (the same secret the store is hashed under), mode 0600, written
by rename like the store. A state that does not open (another secret, another server, a
damaged file) is set aside: the next sync is a full one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dlp.roster.secret import RosterKeys

MAGIC = b"k12-dlp-roster-sync\x01"
NONCE_BYTES = 12


class SyncStateError(ValueError):
    """A state file that cannot be opened with this secret."""


@dataclass(slots=True)
class SyncState:
    """The records of one API, by collection and sourcedId, and the delta's starting point."""

    source: str
    since: str | None = None
    collections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def records(self, name: str) -> list[dict[str, Any]]:
        return list(self.collections.get(name, {}).values())


def _aead(keys: RosterKeys) -> AESGCM:
    return AESGCM(keys.derive("sync-state"))


def save_state(path: Path, state: SyncState, keys: RosterKeys) -> None:
    body = json.dumps(
        {"source": state.source, "since": state.since, "collections": state.collections},
        separators=(",", ":"),
    ).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    sealed = MAGIC + nonce + _aead(keys).encrypt(nonce, zlib.compress(body), MAGIC)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:  # mkstemp: mode 0600
            stream.write(sealed)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_state(path: Path, keys: RosterKeys) -> SyncState | None:
    """The state at ``path``; None when there is none; `SyncStateError` when it won't open."""
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SyncStateError(f"cannot read {path}: {error.strerror}") from None
    if not sealed.startswith(MAGIC):
        raise SyncStateError(f"{path}: not a roster sync state")
    nonce, ciphertext = (
        sealed[len(MAGIC) : len(MAGIC) + NONCE_BYTES],
        sealed[len(MAGIC) + NONCE_BYTES :],
    )
    try:
        body = zlib.decompress(_aead(keys).decrypt(nonce, ciphertext, MAGIC))
        data = json.loads(body)
    except (InvalidTag, zlib.error, ValueError):
        raise SyncStateError(f"{path}: does not open with this secret (or is damaged)") from None
    return SyncState(str(data["source"]), data.get("since"), dict(data["collections"]))
