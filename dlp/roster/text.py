"""How roster values and text are cut into tokens and folded before hashing.

A token is a run of letters and digits; everything else separates, so "O'Brien" is the two
tokens "o brien" and "García-López" is "garcia lopez" (the forms add a joined spelling as well).
Two foldings exist on purpose:

* `normalize_token` is the exact one whose result is HMAC-ed: NFKD, combining marks removed,
  casefold, a few letters without a decomposition mapped by hand. "Strauß" becomes "strauss".
* `code_table` maps each code point to one byte so the matcher can fingerprint every token of a
  text without leaving numpy: lower-case ASCII for Latin letters and digits, 0 for separators,
  0xFF for combining marks (dropped), and a hashed byte >= 0x80 for letters of other scripts.
  It is only a filter: whatever it lets through is checked with `normalize_token` and the HMAC.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np

SEPARATOR = 0
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+")
DROPPED = 0xFF

# Letters that NFKD leaves alone but that people type without their stroke or ligature.
_BY_HAND = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ħ": "h",
        "\u0131": "i",  # dotless i
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
        "ŋ": "n",
        "ŧ": "t",
        "ĸ": "k",
    }
)

# Astral blocks worth folding (mathematical bold/italic letters used as "fancy text").
_ASTRAL_RANGES = ((0x1D400, 0x1D800),)


def normalize_token(token: str) -> str:
    """The canonical form of one token: what is hashed, on import and on match alike."""
    if token.isascii() and token.isalnum():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().translate(_BY_HAND)
    return "".join(ch for ch in folded if ch.isalnum())


def _code_for(codepoint: int) -> int:
    char = chr(codepoint)
    category = unicodedata.category(char)
    if category[0] == "M":
        return DROPPED
    if category[0] not in "LN":
        return SEPARATOR
    folded = normalize_token(char)
    if not folded:
        return SEPARATOR
    first = folded[0]
    if first.isascii():
        return ord(first)
    # Another script: a stable byte >= 0x80 (never 0xFF) that keeps scripts apart in the filter.
    return 0x80 | (ord(first) * 2654435761 >> 7) % 0x7F


@cache
def code_table() -> np.ndarray:
    """One byte per code point (0x110000 entries); built once, on first use (about 0.2 s)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for codepoint in range(0x80):
        char = chr(codepoint)
        table[codepoint] = ord(char.lower()) if char.isascii() and char.isalnum() else SEPARATOR
    for codepoint in range(0x80, 0x10000):
        table[codepoint] = _code_for(codepoint)
    for low, high in _ASTRAL_RANGES:
        for codepoint in range(low, high):
            table[codepoint] = _code_for(codepoint)
    table[0xD800:0xE000] = SEPARATOR  # lone surrogates
    return table


def is_token_char(char: str) -> bool:
    return bool(code_table()[ord(char)] != SEPARATOR)


def split_tokens(value: str) -> list[str]:
    """The raw tokens of a value (NFC, marks kept), in order, as the matcher would cut them."""
    if value.isascii():
        return _ASCII_TOKEN.findall(value)
    table = code_table()
    tokens: list[str] = []
    current: list[str] = []
    for char in unicodedata.normalize("NFC", value):
        if table[ord(char)] != SEPARATOR:
            current.append(char)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    # A token made only of combining marks folds to nothing: it is not a token.
    return [token for token in tokens if normalize_token(token)]
