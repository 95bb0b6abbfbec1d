"""The audit log's two keys, each in its own file, held apart from the log.

- The chain key (``[audit] key_file``, default ``var/audit.key``: 32 random bytes, hex) keys the
  HMAC-SHA256 that chains the entries. Whoever can read the log but not this file cannot rewrite
  an entry and recompute the chain. It is a key of its own rather than one derived from the
  digest secret (``var/secret.key``): an auditor given the chain key to check every MAC must not
  thereby get the means to test guesses against the findings' keyed digests.
- The signing key (``[audit] signing_key_file``, default ``var/audit-signing.key``: an Ed25519
  private key, PKCS#8 PEM) signs the checkpoints of the chain's head. Its public half
  (`public_pem`, ``dlp audit public-key``) is all an auditor needs to check the checkpoints.

Both files are created on first use (mode 0600), the way the gateway creates its other keys.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger("dlp.audit")

MIN_CHAIN_KEY_BYTES = 16
KEY_FILE = "audit.key"
SIGNING_KEY_FILE = "audit-signing.key"


class AuditKeyError(ValueError):
    """A key file that is missing, unreadable or not a key."""


def create_key_file(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` (mode 0600, fsynced) unless it exists; True if written.

    O_EXCL: two processes starting at once never overwrite each other's fresh key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.write(handle, content)
        os.fsync(handle)
    finally:
        os.close(handle)
    return True


def _announce(path: Path, what: str) -> None:
    log.warning(
        "key created",
        extra={
            "fields": {
                "event": "key-created",
                "what": what,
                "file": str(path),
                "mode": "0600",
                "note": "keep a copy apart from the audit log: verify needs it",
            }
        },
    )


def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise AuditKeyError(f"{source}: not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{source}: not an Ed25519 public key")
    return key


def verify_signature(public: Ed25519PublicKey, signature: bytes, payload: bytes) -> bool:
    try:
        public.verify(signature, payload)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class AuditKeys:
    chain_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls, key_file: Path, signing_key_file: Path | None = None, create: bool = True
    ) -> AuditKeys:
        """The keys in these files; with ``create``, new random keys for files not there yet."""
        if create and create_key_file(key_file, secrets.token_hex(32).encode() + b"\n"):
            _announce(key_file, "audit chain key")
        try:
            text = key_file.read_bytes().strip()
            chain_key = bytes.fromhex(text.decode("ascii"))
        except OSError as error:
            raise AuditKeyError(f"cannot read the audit key {key_file}: {error.strerror}") from None
        except (ValueError, UnicodeDecodeError):
            raise AuditKeyError(f"{key_file}: the audit key is not hexadecimal") from None
        if len(chain_key) < MIN_CHAIN_KEY_BYTES:
            raise AuditKeyError(f"{key_file}: the audit key is shorter than 16 bytes")
        if signing_key_file is None:
            return cls(chain_key)
        if create:
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            if create_key_file(signing_key_file, pem):
                _announce(signing_key_file, "audit signing key")
        try:
            private = serialization.load_pem_private_key(signing_key_file.read_bytes(), None)
        except OSError as error:
            raise AuditKeyError(
                f"cannot read the audit signing key {signing_key_file}: {error.strerror}"
            ) from None
        except (ValueError, TypeError) as error:
            raise AuditKeyError(f"{signing_key_file}: not a PEM private key ({error})") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise AuditKeyError(f"{signing_key_file}: not an Ed25519 private key")
        return cls(chain_key, private)

    @classmethod
    def beside(cls, folder: Path) -> AuditKeys:
        """``audit.key`` and ``audit-signing.key`` in ``folder`` (created when missing)."""
        return cls.load(folder / KEY_FILE, folder / SIGNING_KEY_FILE)

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        return None if self.signing_key is None else self.signing_key.public_key()

    def public_pem(self) -> bytes:
        if self.signing_key is None:
            raise AuditKeyError("no audit signing key was loaded")
        return self.signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
