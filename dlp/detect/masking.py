"""Masked previews and keyed digests: the only forms in which a found value leaves the detector."""

from __future__ import annotations

import hashlib
import hmac
import re

_DIGIT = re.compile(r"\d")
_NON_DIGITS = re.compile(r"\D")
_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_DIGIT = re.compile(r"[0-9]")
_DROP_DIGITS = str.maketrans("", "", "0123456789")
_ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not 48 <= c <= 57))
_STAR_LETTERS = str.maketrans(
    {c: "*" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
)


def masked_preview(value: str, style: str) -> str:
    if style == "term":
        return " ".join(value.split())
    if style == "hidden":
        return "********"
    if style == "email":
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if style == "date":
        return _DIGIT.sub("*", value)
    if style == "words":
        return _WORD.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), value)
    # last4: every digit but the last four becomes "*", separators stay: ***-**-6789
    if value.isascii():
        # The same, without a step per character: letters become "*" in one translation,
        # then the digits before the kept ones, counted from the left.
        total = len(value) - len(value.translate(_DROP_DIGITS))
        if total == 0:
            return "*" * len(value)
        keep_from = max(total - 4, total // 2)
        masked = value.translate(_STAR_LETTERS)
        return _ASCII_DIGIT.sub("*", masked, count=keep_from) if keep_from else masked
    total = len(_NON_DIGITS.sub("", value))
    if total == 0:
        return "*" * len(value)
    keep_from = max(total - 4, total // 2)
    seen = 0
    out = []
    for char in value:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        elif char.isalpha():
            out.append("*")
        else:
            out.append(char)
    return "".join(out)


def canonical_value(entity_type: str, value: str) -> str:
    """The form that is hashed: equal values written differently give the same digest."""
    # ASCII (most values): the digits kept by one translation, without the expression.
    digits = value.translate(_ASCII_NON_DIGITS) if value.isascii() else _NON_DIGITS.sub("", value)
    if digits and len(digits) >= len(value) * 0.6:
        return digits
    return " ".join(value.lower().split())


def keyed_digest(secret: bytes, entity_type: str, value: str) -> str:
    message = f"{entity_type}\x1f{canonical_value(entity_type, value)}".encode()
    # The one-shot form: the same HMAC without building an object per value.
    return hmac.digest(secret, message, "sha256")[:16].hex()


def secret_fingerprint(secret: bytes) -> str:
    """A name for the digest secret that reveals nothing about it: two places that show the
    same fingerprint key their digests alike."""
    return hmac.new(secret, b"k12-dlp/secret-fingerprint", hashlib.sha256).hexdigest()[:16]
