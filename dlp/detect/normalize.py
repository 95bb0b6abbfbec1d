"""Text normalization for keyword matching that never loses track of original offsets.

Keywords are matched on a normalized, lower-cased copy of the text (NFKC, typographic quotes and
dashes made plain, zero-width and soft-hyphen characters dropped). Every normalized position maps
back to a position in the original text, so findings always point into the caller's own text.

Most school text is ASCII; for it the copy is just ``str.lower()`` and the map is the identity.
Only non-ASCII runs are looked at character by character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

_REMOVED = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e")
_REPLACED = {
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
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
}
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


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


def _normalize_char(char: str) -> str:
    if char in _REMOVED:
        return ""
    replaced = _REPLACED.get(char)
    if replaced is not None:
        return replaced
    return unicodedata.normalize("NFKC", char).lower()


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for case-insensitive keyword matching, keeping an offset map."""
    if text.isascii():
        return NormalizedText(text.lower(), len(text))
    pieces: list[str] = []
    breaks: list[int] = []
    deltas: list[int] = []
    original_cursor = 0
    normalized_length = 0
    delta = 0
    for run in _NON_ASCII_RUN.finditer(text):
        ascii_part = text[original_cursor : run.start()]
        pieces.append(ascii_part.lower())
        normalized_length += len(ascii_part)
        for offset, char in enumerate(run.group()):
            original_position = run.start() + offset
            replacement = _normalize_char(char)
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
        # The ASCII text after the run continues one-to-one from its own start.
        new_delta = original_cursor - normalized_length
        if new_delta != delta:
            breaks.append(normalized_length)
            deltas.append(new_delta)
            delta = new_delta
    pieces.append(text[original_cursor:].lower())
    return NormalizedText("".join(pieces), len(text), tuple(breaks), tuple(deltas))
