"""The district's secret and the separate keys derived from it for each use.

The secret is always passed in explicitly (from a key file or the environment); nothing here
generates one, because a roster hashed under a forgotten random key is silently useless.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECRET_ENV = "DLP_SECRET"
SECRET_FILE_ENV = "DLP_SECRET_FILE"
MIN_SECRET_BYTES = 16
MAC_BYTES = 16  # 128 bits: no collisions among millions of values, half the size of a full MAC


class SecretError(ValueError):
    """No usable secret; the message says where one was looked for."""


def load_secret(env: Mapping[str, str], path: Path | None = None) -> bytes:
    """The secret from ``path``, else ``$DLP_SECRET``, else the file ``$DLP_SECRET_FILE`` names."""
    if path is None and env.get(SECRET_ENV):
        secret = env[SECRET_ENV].encode("utf-8")
        source = f"${SECRET_ENV}"
    else:
        if path is None and env.get(SECRET_FILE_ENV):
            path = Path(env[SECRET_FILE_ENV])
        if path is None:
            raise SecretError(
                f"no secret: pass --secret-file or set {SECRET_ENV} or {SECRET_FILE_ENV}"
            )
        try:
            secret = path.read_bytes().strip()
        except OSError as error:
            raise SecretError(f"cannot read secret file {path}: {error.strerror}") from None
        source = str(path)
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretError(f"secret from {source} is shorter than {MIN_SECRET_BYTES} bytes")
    return secret


@dataclass(frozen=True, slots=True)
class RosterKeys:
    """One key per purpose, so no hash made for one use can be replayed in another."""

    secret: bytes = field(repr=False)

    def derive(self, purpose: str) -> bytes:
        return hmac.new(self.secret, b"k12-dlp/roster/" + purpose.encode(), hashlib.sha256).digest()

    def macer(self, purpose: str) -> Callable[[bytes], bytes]:
        """A keyed hash (HMAC-SHA256, truncated to `MAC_BYTES`) for one purpose."""
        key = self.derive(purpose)

        def mac(value: bytes) -> bytes:
            return hmac.digest(key, value, "sha256")[:MAC_BYTES]

        return mac

    def key_check(self) -> str:
        """Stored beside the roster so that opening it with another secret fails clearly."""
        return self.derive("key-check")[:MAC_BYTES].hex()
