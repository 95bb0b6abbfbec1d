"""One normalized view of a text for every recognizer, never losing track of original offsets.

Two views are made, each with a map back to the caller's own offsets:

- ``fold`` (what every recognizer sees: patterns, keywords, roster): invisible and format
  characters removed (zero-width spaces, soft hyphens, bidi marks, NUL and other control
  characters), characters folded by NFKC (full-width and mathematical digits), every decimal
  digit of any script folded to ASCII, and dashes, hyphens and minus signs folded to ``-`` by an
  explicit map (NFKC alone leaves U+2011, U+2013 and U+2212 as they are). Case is kept: the
  pattern recognizers see letters as written. Without this, one zero-width space inside an SSN
  is enough to walk it past every pattern.
- ``normalize`` (what dictionary and context matching sees): the folded text, lower-cased, with
  typographic quotes made plain and accents stripped (NFKD, combining marks dropped), so that
  ``EDUCACION`` matches ``educación`` and a district's own terms match however they are typed.

Most school text is ASCII without control characters; for it both views are the text itself
(lower-cased for ``normalize``) and the map is the identity. Only non-ASCII runs are looked at
character by character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import hyperscan

_DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212"
    "\u02d7\u058a\u1806\u2e3a\u2e3b\ufe58\ufe63\uff0d"
)
_LAYOUT = "\t\n\x0b\x0c\r"
_SPACES = "\u00a0\u2007\u202f\u3000"
# Invisible, yet not in category Cf: the combining grapheme joiner, the Mongolian vowel
# separator, variation selectors and the Hangul fillers.
_INVISIBLE = frozenset(
    "\u034f\u180e\u115f\u1160\u3164\uffa0" + "".join(map(chr, range(0xFE00, 0xFE10)))
)
# Control characters other than the white space a text is laid out with.
_CONTROL_ASCII = rb"[\x00-\x08\x0e-\x1f\x7f]"
# Under this length the call into Hyperscan costs more than ``re`` reading the text.
_SHORT = 256
_CONTROL_SHORT = re.compile(_CONTROL_ASCII.decode("ascii"))
# The bytes of _CONTROL_ASCII, for a caller that looks for them in a pass of its own
# (``text_index``'s translate).
CONTROL_BYTES = bytes(c for c in range(128) if _CONTROL_SHORT.match(chr(c)))
_SPECIAL_RUN = re.compile(r"[^\x09-\x0d\x20-\x7e]+")
_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
}


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized copy of a text plus the way back to original offsets.

    ``_breaks`` holds normalized positions where the offset delta changes and ``_deltas`` the
    delta (original minus normalized) from each break on. An empty list means identity.
    """

    text: str
    original_length: int
    _breaks: tuple[int, ...] = ()
    _deltas: tuple[int, ...] = ()
    # Where each break's run starts in the original text (non-decreasing), for the way there.
    _run_starts: tuple[int, ...] = ()

    @property
    def is_identity(self) -> bool:
        return not self._breaks

    def to_original(self, position: int) -> int:
        """Original offset of a normalized start offset."""
        if not self._breaks:
            return position
        index = bisect_right(self._breaks, position) - 1
        return position + (self._deltas[index] if index >= 0 else 0)

    def to_original_end(self, position: int) -> int:
        """Original offset of a normalized (exclusive) end offset."""
        if position <= 0:
            return 0
        return self.to_original(position - 1) + 1 if self._breaks else position

    def to_normalized(self, original: int) -> int:
        """The first normalized offset whose character comes from ``original`` or later (for
        region boundaries: a removed character maps to what follows it)."""
        breaks = self._breaks
        if not breaks:
            return original
        index = bisect_right(self._run_starts, original) - 1
        if index < 0:
            position = min(original, breaks[0])
        else:
            following = breaks[index + 1] if index + 1 < len(breaks) else len(self.text)
            position = min(max(original - self._deltas[index], breaks[index]), following)
        # One original character that became several normalized ones: go to its first.
        while position > 0 and self.to_original(position - 1) >= original:
            position -= 1
        return position


def _fold_char(char: str) -> str:
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return " "
    category = unicodedata.category(char)
    if category == "Cf" or char in _INVISIBLE or (category == "Cc" and char not in _LAYOUT):
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    folded = unicodedata.normalize("NFKC", char)
    if folded != char and len(folded) == 1 and folded in _DASHES:
        return "-"
    return folded


def _normalize_char(char: str) -> str:
    quote = _QUOTES.get(char)
    if quote is not None:
        return quote
    folded = _fold_char(char)
    if folded.isascii():
        return folded.lower()
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return unicodedata.normalize("NFC", stripped).lower()


_fold_cached = lru_cache(maxsize=4096)(_fold_char)
_normalize_cached = lru_cache(maxsize=4096)(_normalize_char)


def _mapped(
    text: str, convert: Callable[[str], str], ascii_part: Callable[[str], str]
) -> NormalizedText:
    pieces: list[str] = []
    breaks: list[int] = []
    deltas: list[int] = []
    original_cursor = 0
    normalized_length = 0
    delta = 0
    for run in _SPECIAL_RUN.finditer(text):
        plain = text[original_cursor : run.start()]
        pieces.append(ascii_part(plain))
        normalized_length += len(plain)
        for offset, char in enumerate(run.group()):
            original_position = run.start() + offset
            replacement = convert(char)
            # Each output character of this input character maps back to it.
            for _ in replacement:
                new_delta = original_position - normalized_length
                if new_delta != delta:
                    breaks.append(normalized_length)
                    deltas.append(new_delta)
                    delta = new_delta
                normalized_length += 1
            pieces.append(replacement)
        original_cursor = run.end()
        # The plain text after the run continues one-to-one from its own start.
        new_delta = original_cursor - normalized_length
        if new_delta != delta:
            breaks.append(normalized_length)
            deltas.append(new_delta)
            delta = new_delta
    pieces.append(ascii_part(text[original_cursor:]))
    run_starts = tuple(b + d for b, d in zip(breaks, deltas, strict=True))
    return NormalizedText("".join(pieces), len(text), tuple(breaks), tuple(deltas), run_starts)


def _unchanged(text: str) -> str:
    return text


@lru_cache(maxsize=1)
def _control_database() -> hyperscan.Database:
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[_CONTROL_ASCII], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_SINGLEMATCH]
    )
    return database


def needs_folding(text: str) -> bool:
    """Whether ``fold`` would change ``text``.

    For ASCII text this is a search for control characters, which Python's ``re`` does at
    about 200 MB/s (a quarter of the scanner's whole budget) and Hyperscan at over 10 GB/s.
    """
    if not text.isascii():
        return True
    if "\x00" in text:
        return True
    if len(text) < _SHORT:
        return _CONTROL_SHORT.search(text) is not None
    found: list[bool] = []
    _control_database().scan(
        text.encode("ascii"), match_event_handler=lambda *_: found.append(True)
    )
    return bool(found)


def fold(text: str) -> NormalizedText:
    """The text every recognizer sees: invisible characters out, digits and dashes folded."""
    if not needs_folding(text):
        return NormalizedText(text, len(text))
    return _mapped(text, _fold_cached, _unchanged)


def normalize(text: str, folded: bool = False) -> NormalizedText:
    """The folded text, lower-cased and without accents, for keyword and context matching.
    ``folded``: ``text`` is already ``fold``'s output (no control characters to look for)."""
    if text.isascii() and (folded or not needs_folding(text)):
        return NormalizedText(text.lower(), len(text))
    return _mapped(text, _normalize_cached, str.lower)
