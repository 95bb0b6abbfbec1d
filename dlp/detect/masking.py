"""Masked previews and keyed digests: the only forms in which a found value leaves the detector."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

_DIGIT = re.compile(r"\d")
_NON_DIGITS = re.compile(r"\D")
# Every letter or digit that follows another: a word's all but its first, in one substitution
# with no call back into Python per word.
_WORD_TAIL = re.compile(r"(?<=[A-Za-z0-9])[A-Za-z0-9]")
# Tables for ``bytes.translate`` over an ASCII value's bytes: a table lookup per byte, where
# ``str.translate`` and the expressions cost a microsecond each on a ten-character value.
_DIGITS = b"0123456789"
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NON_DIGIT_BYTES = bytes(c for c in range(256) if c not in _DIGITS)
_STAR_LETTERS = bytes.maketrans(_LETTERS, b"*" * len(_LETTERS))
_STAR_DIGITS = bytes.maketrans(_DIGITS, b"*" * len(_DIGITS))
_STAR_ALNUM = bytes.maketrans(_LETTERS + _DIGITS, b"*" * (len(_LETTERS) + len(_DIGITS)))
# Each digit as "d", anything else as ".": where the digits are, for ``rfind``.
_DIGIT_SHAPE = bytes(ord("d") if c in _DIGITS else ord(".") for c in range(256))
# A last4 value's form: each digit as "d", each letter as "a", anything else as itself
# ("ddd-dd-dddd", "(ddd) ddd-dddd"). What its preview hides depends on nothing else.
_FORM = bytes(ord("d") if c in _DIGITS else ord("a") if c in _LETTERS else c for c in range(256))
# Form -> (the preview up to the first kept character, where that is), or -1 there when the
# kept part has letters (starred too: the longer way). Few forms recur (an SSN's, a phone
# number's), and a form holds no digit or letter of any value; bounded all the same.
_LAST4_FORMS: dict[bytes, tuple[str, int]] = {}
# The most forms each of these memos (last4, words) keeps before it starts again.
_FORMS_MAX = 4096
# A words value's form: each letter or digit as "a", anything else as itself ("aaaaa aaaaaa",
# "aaaa-aaa a'aaaa"). Form -> its preview as a %-template (each word's first character a "%s",
# the rest of the word "*", "%" doubled) and what reads those first characters out of the value.
# Names' forms recur (a few word lengths); bounded as the last4 forms are.
_ALNUM_FORM = bytes(ord("a") if c in _DIGITS or c in _LETTERS else c for c in range(256))
_WORD_FORMS: dict[bytes, tuple[str, Callable[[str], object]]] = {}


def masked_preview(value: str, style: str) -> str:
    return _MASKERS.get(style, _last4)(value)


def masker(style: str) -> Callable[[str], str]:
    """``masked_preview(value, style)`` as a function of the value alone, for a caller that
    masks many values of one style (``Scanner.scan``)."""
    return _MASKERS.get(style, _last4)


def _term(value: str) -> str:
    return " ".join(value.split())


def _hidden(value: str) -> str:
    return "********"


def _email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _date(value: str) -> str:
    if value.isascii():
        return value.encode("ascii").translate(_STAR_DIGITS).decode("ascii")
    return _DIGIT.sub("*", value)


def _words(value: str) -> str:
    """Every letter or digit after the first of its word becomes "*": J**** T*****."""
    if value.isascii():
        # By the value's form, as last4 does: the substitution cost 0.73 us on a two-word
        # name, the form's template filled with the words' first characters 0.38 us (a dense
        # text's names are a fifth of its findings, most of them distinct in their segment).
        form = value.encode("ascii").translate(_ALNUM_FORM)
        known = _WORD_FORMS.get(form)
        if known is None:
            if len(_WORD_FORMS) >= _FORMS_MAX:
                _WORD_FORMS.clear()
            known = _WORD_FORMS[form] = _words_form(form)
        template, firsts = known
        return template % firsts(value)
    return _WORD_TAIL.sub("*", value)


def _words_form(form: bytes) -> tuple[str, Callable[[str], object]]:
    """For a words value of this form: its preview as a %-template and the reader of what fills
    it (one first character, or a tuple of them: ``itemgetter``; with no word, the value)."""
    pieces: list[str] = []
    firsts: list[int] = []
    in_word = False
    for index, byte in enumerate(form):
        if byte == ord("a"):
            if not in_word:
                firsts.append(index)
            pieces.append("*" if in_word else "%s")
            in_word = True
        else:
            pieces.append("%%" if byte == ord("%") else chr(byte))
            in_word = False
    if not firsts:
        return "%s", itemgetter(slice(None))
    return "".join(pieces), itemgetter(*firsts)


def _last4(value: str) -> str:
    """Every digit but the last four becomes "*", separators stay: ***-**-6789 (any style
    not named is this one)."""
    if value.isascii():
        form = value.encode("ascii").translate(_FORM)
        known = _LAST4_FORMS.get(form)
        if known is None:
            if len(_LAST4_FORMS) >= _FORMS_MAX:
                _LAST4_FORMS.clear()
            known = _LAST4_FORMS[form] = _last4_form(form)
        hidden, kept_from = known
        if kept_from >= 0:
            return hidden + value[kept_from:]
        # The same, without a step per character: letters become "*" in one translation, and
        # every digit too up to the first kept one, found from the right.
        data = value.encode("ascii")
        shape = data.translate(_DIGIT_SHAPE)
        total = shape.count(b"d")
        if total == 0:
            return "*" * len(value)
        keep_from = max(total - 4, total // 2)
        masked = data.translate(_STAR_LETTERS)
        if not keep_from:
            return masked.decode("ascii")
        # Split at the kept digits from the right: what is before them is the first piece.
        first_kept = len(shape.rsplit(b"d", total - keep_from)[0])
        return (data[:first_kept].translate(_STAR_ALNUM) + masked[first_kept:]).decode("ascii")
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


_MASKERS: dict[str, Callable[[str], str]] = {
    "term": _term,
    "hidden": _hidden,
    "email": _email,
    "date": _date,
    "words": _words,
}


def _last4_form(form: bytes) -> tuple[str, int]:
    """For a value of this form: its last4 preview up to where the value shows through, and
    where that is (-1: letters there, which are starred)."""
    total = form.count(b"d")
    if total == 0:
        return "*" * len(form), len(form)
    keep_from = max(total - 4, total // 2)
    # Split at the kept digits from the right: what is before them is the first piece.
    kept_from = len(form.rsplit(b"d", total - keep_from)[0]) if keep_from else 0
    if b"a" in form[kept_from:]:
        return "", -1
    return form[:kept_from].translate(_STAR_ALNUM).decode("ascii"), kept_from


def canonical_value(entity_type: str, value: str) -> str:
    """The form that is hashed: equal values written differently give the same digest."""
    # ASCII (most values): the digits kept by one translation, without the expression.
    if value.isascii():
        digits = value.encode("ascii").translate(None, _NON_DIGIT_BYTES).decode("ascii")
    else:
        digits = _NON_DIGITS.sub("", value)
    if digits and len(digits) >= len(value) * 0.6:
        return digits
    return " ".join(value.lower().split())


@lru_cache(maxsize=256)
def safe_former(secret: bytes, entity_type: str, style: str) -> Callable[[str], tuple[str, str]]:
    """``(masked_preview(value, style), keyed_digest(secret, entity_type, value))`` as a function
    of the value alone: a found value's two safe forms in one call, for a caller that makes
    them for many values of one type (``Scanner.scan``). The digest is made from the two hashes
    with the key (and the entity type) already read: HMAC from the start, per value, cost more
    than the rest of a finding's safe form."""
    mask = _MASKERS.get(style, _last4)
    inner_start, outer_start = _keyed_hashes(secret, entity_type)
    copy_inner, copy_outer = inner_start.copy, outer_start.copy

    def forms(value: str) -> tuple[str, str]:
        inner = copy_inner()
        # ``canonical_value(entity_type, value).encode()``, written out: an ASCII value's
        # digits are hashed as the bytes they were kept in, not decoded to be encoded again;
        # a value of digits alone (an ID) is its own canonical form (0.11 against 0.35 us to
        # keep its digits and weigh them).
        if value.isascii():
            if value.isdigit():
                inner.update(value.encode("ascii"))
            else:
                digits = value.encode("ascii").translate(None, _NON_DIGIT_BYTES)
                if digits and len(digits) >= len(value) * 0.6:
                    inner.update(digits)
                else:
                    inner.update(" ".join(value.lower().split()).encode())
        else:
            inner.update(canonical_value(entity_type, value).encode())
        outer = copy_outer()
        outer.update(inner.digest())
        return mask(value), outer.digest()[:16].hex()

    return forms


@lru_cache(maxsize=256)
def keyed_digester(secret: bytes, entity_type: str) -> Callable[[str], str]:
    """``keyed_digest(secret, entity_type, ...)`` as a function of the value alone: the
    digest of ``safe_former`` (its preview the "hidden" style's, which costs nothing)."""
    forms = safe_former(secret, entity_type, "hidden")

    def digest(value: str) -> str:
        return forms(value)[1]

    return digest


def keyed_digest(secret: bytes, entity_type: str, value: str) -> str:
    """HMAC-SHA256 of the entity type and the canonical value under ``secret``, its first 16
    bytes in hex (``keyed_digester``'s, for one value)."""
    return keyed_digester(secret, entity_type)(value)


# HMAC's pads (RFC 2104), as ``hmac`` applies them: each key byte XOR 0x36 and XOR 0x5C.
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))
_SHA256_BLOCK = 64


@lru_cache(maxsize=256)
def _keyed_hashes(secret: bytes, entity_type: str) -> tuple[_Hash, _Hash]:
    """HMAC-SHA256's inner hash with the padded key and ``entity_type`` + unit separator read,
    and its outer hash with the padded key read: ``hmac.digest(secret, f"{entity_type}\x1f"
    + canonical, "sha256")`` is the outer hash of the inner one's digest, from these."""
    key = hashlib.sha256(secret).digest() if len(secret) > _SHA256_BLOCK else secret
    key = key.ljust(_SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(key.translate(_INNER_PAD))
    inner.update(f"{entity_type}\x1f".encode())
    return inner, hashlib.sha256(key.translate(_OUTER_PAD))


def secret_fingerprint(secret: bytes) -> str:
    """A name for the digest secret that reveals nothing about it: two places that show the
    same fingerprint key their digests alike."""
    return hmac.new(secret, b"k12-dlp/secret-fingerprint", hashlib.sha256).hexdigest()[:16]
