"""Held messages at rest: AES-256-GCM under a key derived from the district's quarantine key.

The key given (a key file's bytes, or an environment variable) is never used directly: the
AES key is derived from it with HMAC-SHA256 for this one purpose, so any key material of at
least 16 bytes works and the same material can never be replayed as another kind of key.
Each sealed message names the key it was sealed under (``key_id``, a keyed fingerprint that
reveals nothing about the key) and is bound to its own quarantine id as associated data: a
ciphertext copied onto another row does not open there.

Rotation: a `Keyring` holds the current key, which seals, and older keys, which only open;
`QuarantineStore.rotate` re-seals everything still under an old key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MIN_KEY_BYTES = 16
NONCE_BYTES = 12
KEY_ENV = "DLP_QUARANTINE_KEY"
OLD_KEYS_ENV = "DLP_QUARANTINE_OLD_KEYS"  # comma-separated, for rotation
_AAD_PREFIX = b"k12-dlp/quarantine/v1\0"


class QuarantineKeyError(ValueError):
    """No usable key, or a message that does not open under any key held."""


def _derive(material: bytes, purpose: bytes) -> bytes:
    return hmac.new(material, b"k12-dlp/quarantine/" + purpose, hashlib.sha256).digest()


def parse_key(text: bytes) -> bytes:
    """Key material as written in a key file: hex (what the gateway generates) or raw bytes."""
    stripped = text.strip()
    try:
        return bytes.fromhex(stripped.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return stripped


@dataclass(frozen=True, slots=True)
class Key:
    material: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.material) < MIN_KEY_BYTES:
            raise QuarantineKeyError(f"a quarantine key has at least {MIN_KEY_BYTES} bytes")

    @property
    def key_id(self) -> str:
        return _derive(self.material, b"key-id")[:8].hex()

    def aead(self) -> AESGCM:
        return AESGCM(_derive(self.material, b"aes-256-gcm"))


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def _aad(held_id: str, key_id: str) -> bytes:
    return _AAD_PREFIX + held_id.encode() + b"\0" + key_id.encode()


@dataclass(frozen=True, slots=True)
class Keyring:
    current: Key
    old: tuple[Key, ...] = ()

    @classmethod
    def of(cls, current: bytes, old: Iterable[bytes] = ()) -> Keyring:
        return cls(Key(current), tuple(Key(item) for item in old))

    def _by_id(self) -> dict[str, Key]:
        return {key.key_id: key for key in (*self.old, self.current)}

    def seal(self, held_id: str, plaintext: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self.current.key_id
        ciphertext = self.current.aead().encrypt(nonce, plaintext, _aad(held_id, key_id))
        return Sealed(key_id, nonce, ciphertext)

    def open(self, held_id: str, sealed: Sealed) -> bytes:
        key = self._by_id().get(sealed.key_id)
        if key is None:
            raise QuarantineKeyError(
                f"message {held_id} is sealed under key {sealed.key_id}, which is not loaded "
                "(pass the old key for rotation)"
            )
        try:
            return key.aead().decrypt(sealed.nonce, sealed.ciphertext, _aad(held_id, sealed.key_id))
        except InvalidTag:
            raise QuarantineKeyError(
                f"message {held_id}: the stored ciphertext does not authenticate (tampered)"
            ) from None


def load_keyring(
    env: Mapping[str, str], key_file: Path | None = None, old_key_files: Iterable[Path] = ()
) -> Keyring:
    """The key from ``$DLP_QUARANTINE_KEY`` or ``key_file``; old keys from files and
    ``$DLP_QUARANTINE_OLD_KEYS``, plus ``<key_file>.old`` (one key per line) when it exists."""
    if env.get(KEY_ENV):
        current = parse_key(env[KEY_ENV].encode())
    elif key_file is not None:
        try:
            current = parse_key(key_file.read_bytes())
        except OSError as error:
            raise QuarantineKeyError(
                f"cannot read quarantine key file {key_file}: {error.strerror}"
            ) from None
    else:
        raise QuarantineKeyError(f"no quarantine key: set {KEY_ENV} or give a key file")
    old: list[bytes] = [parse_key(item.encode()) for item in env.get(OLD_KEYS_ENV, "").split(",")]
    files = list(old_key_files)
    if key_file is not None and key_file.with_name(key_file.name + ".old").is_file():
        files.append(key_file.with_name(key_file.name + ".old"))
    for file in files:
        try:
            old.extend(parse_key(line) for line in file.read_bytes().splitlines())
        except OSError as error:
            raise QuarantineKeyError(f"cannot read old key file {file}: {error.strerror}") from None
    return Keyring.of(current, [item for item in old if item])
