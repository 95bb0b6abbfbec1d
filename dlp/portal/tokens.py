"""Random tokens and codes, and the hashes they are stored under.

A token is 256 random bits: a SHA-256 of it is a safe stored form (no dictionary to try), and a
lookup by hash never compares secrets byte by byte. A code is six digits, short-lived and tried
a few times at most, and is bound to its link: it is stored hashed with the link's hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
CODE_DIGITS = 6


def new_token() -> str:
    return secrets.token_urlsafe(32)


def well_formed(token: str) -> bool:
    """A token as `new_token` makes them (anything else is not looked up at all)."""
    return bool(_TOKEN.match(token))


def token_hash(token: str) -> str:
    return hashlib.sha256(b"dlp-portal-token\0" + token.encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(link_hash: str, code: str) -> str:
    return hashlib.sha256(f"dlp-portal-code\0{link_hash}\0{code}".encode()).hexdigest()


def session_hash(session_id: str) -> str:
    return hashlib.sha256(b"dlp-portal-session\0" + session_id.encode()).hexdigest()
