"""Context words: whole words or phrases near a match that make it believable.

Presidio's own context enhancer compares lemmas, which a blank (model-free) spaCy pipeline does
not produce, so context silently does nothing there; and its default matching is by substring.
Here context phrases are found by the same whole-word Aho-Corasick pass as the dictionary terms
(``text_index``), and a match counts a phrase that lies wholly within ``before`` characters
before it or ``after`` characters after it, or anywhere in its segment's own context (a column
header, a form label).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from dlp.detect.text_index import ContextIndex, TextIndexer

CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4


@dataclass(frozen=True, slots=True)
class TextContext:
    """Everything known about context in one text: the phrase index and the segment context.

    ``cell_starts``/``cell_extras``: for a packed text, where each cell starts and the context
    phrases of that cell's own header; a match gets the extras of the cell it starts in.
    """

    indexer: TextIndexer
    index: ContextIndex
    extra: frozenset[int] = frozenset()
    cell_starts: Sequence[int] = ()
    cell_extras: tuple[frozenset[int], ...] = ()

    def extra_at(self, position: int) -> frozenset[int]:
        if not self.cell_starts:
            return self.extra
        cell = bisect_right(self.cell_starts, position) - 1
        return self.extra | self.cell_extras[cell] if cell >= 0 else self.extra


@dataclass(frozen=True, slots=True)
class ContextRule:
    """One recognizer's context words and how far from a match they may be."""

    words: tuple[str, ...]
    before: int
    after: int

    def words_near(self, context: TextContext, start: int, end: int) -> tuple[str, ...]:
        wanted = context.indexer.phrase_ids(self.words)
        if not wanted:
            return ()
        ids = context.index.near(start, end, self.before, self.after, wanted)
        ids += [i for i in sorted(context.extra_at(start) & wanted) if i not in ids]
        return tuple(context.indexer.phrases[i] for i in ids)


def context_of(indexer: TextIndexer, text: str, extra: str = "") -> TextContext:
    return TextContext(indexer, indexer.index(text)[1], frozenset(indexer.phrases_in(extra)))


def boosted(score: float, context_words: Sequence[str]) -> float:
    if not context_words:
        return score
    return max(min(score + CONTEXT_BOOST, 1.0), MIN_SCORE_WITH_CONTEXT)
