"""Context words: whole words or phrases near a match that make it believable.

Presidio's own context enhancer compares lemmas, which a blank (model-free) spaCy pipeline does
not produce, so context silently does nothing there; and its default matching is by substring.
This matcher needs no NLP: it looks at a fixed number of characters before and after the match
and matches whole words only, with the words of a phrase separated by spaces, "_" or "-".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dlp.detect.normalize import normalize

CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4


def _phrase_regex(phrase: str) -> str:
    words = phrase.lower().split()
    return r"[\s_-]*".join(re.escape(word) for word in words)


@dataclass(frozen=True, slots=True)
class ContextMatcher:
    words: tuple[str, ...]
    before: int
    after: int
    _regex: re.Pattern[str] | None

    @classmethod
    def build(cls, words: Sequence[str], before: int, after: int) -> ContextMatcher:
        ordered = sorted({" ".join(w.lower().split()) for w in words if w.strip()}, key=len)
        ordered.reverse()  # longest first, so "student id" wins over "id"
        regex = None
        if ordered:
            alternatives = "|".join(
                f"(?P<w{index}>{_phrase_regex(word)})" for index, word in enumerate(ordered)
            )
            regex = re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")
        return cls(tuple(ordered), before, after, regex)

    def words_in(self, text: str) -> tuple[str, ...]:
        if self._regex is None or not text:
            return ()
        found = []
        for match in self._regex.finditer(normalize(text).text):
            word = self.words[int(match.lastgroup[1:])]  # type: ignore[index]
            if word not in found:
                found.append(word)
        return tuple(found)

    def around(self, text: str, start: int, end: int, extra: str = "") -> tuple[str, ...]:
        """Context words before/after ``text[start:end]`` and in the segment's own context."""
        if self._regex is None:
            return ()
        found = self.words_in(_whole_words(text, max(0, start - self.before), start))
        after = _whole_words(text, end, min(len(text), end + self.after))
        found += tuple(w for w in self.words_in(after) if w not in found)
        if extra:
            found += tuple(w for w in self.words_in(extra) if w not in found)
        return found


def _whole_words(text: str, start: int, end: int) -> str:
    """``text[start:end]`` without a word cut in half at either edge (it would match falsely)."""
    if start > 0 and text[start - 1].isalnum():
        while start < end and text[start].isalnum():
            start += 1
    if end < len(text) and text[end].isalnum():
        while end > start and text[end - 1].isalnum():
            end -= 1
    return text[start:end]


def boosted(score: float, context_words: tuple[str, ...]) -> float:
    if not context_words:
        return score
    return max(min(score + CONTEXT_BOOST, 1.0), MIN_SCORE_WITH_CONTEXT)
