"""Inbound AUTH: a users file of ``name:scrypt$N$r$p$salt$hash`` lines (hex salt and hash).

Make a line with ``python -m smtp_gateway.auth NAME`` (reads the password from standard input).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


class UsersFile:
    def __init__(self, path: Path) -> None:
        self.users: dict[str, str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, separator, stored = line.strip().partition(":")
            if not separator or not stored.startswith("scrypt$"):
                raise ValueError(f"{path}:{number}: expected name:scrypt$...")
            self.users[name] = stored

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        name = data.login.decode("utf-8", "replace")
        stored = self.users.get(name)
        ok = stored is not None and check_password(data.password.decode("utf-8", "replace"), stored)
        return AuthResult(success=ok, handled=False, auth_data=name if ok else None)


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python -m smtp_gateway.auth NAME < password", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    print(f"{sys.argv[1]}:{hash_password(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
