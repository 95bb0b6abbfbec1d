"""Words looked for around a match, found as the expression finds them, in a fraction of the time.

A recognizer's negative words (and the context words of a rule that is not indexed) are one
case-insensitive expression of dozens of alternatives (``context.negative_pattern``). Python's
``re`` tries each alternative at every character of the few dozen around a match: about 20 µs a
match, most of the cost of scoring an ID. Every match of that expression starts with the first
word of one of its phrases, so in ASCII text an Aho-Corasick pass over the lower-cased window
finds every place a match can start, and the expression is tried only there (anchored, in
order, each search resuming after the previous match: the matches ``finditer`` gives).
``tests/detect/test_wordfind.py`` holds the two to each other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ahocorasick


def _folds_to_ascii(char: str) -> bool:
    """Whether a case-insensitive expression would match ``char`` to an ASCII character
    (the Kelvin sign and "K", the long s and "s"): then ASCII text is no shortcut."""
    return any(re.fullmatch(re.escape(char), chr(code), re.IGNORECASE) for code in range(128))


class WordFinder:
    def __init__(self, pattern: re.Pattern[str], words: Sequence[str]) -> None:
        """``pattern``: the expression of ``words`` (``context.negative_pattern``)."""
        self.pattern = pattern
        firsts = {parts[0].lower() for parts in (word.split() for word in words) if parts}
        self._automaton: ahocorasick.Automaton | None = None
        if firsts and not any(
            _folds_to_ascii(char) for first in firsts for char in first if not char.isascii()
        ):
            automaton = ahocorasick.Automaton()
            for first in firsts:
                automaton.add_word(first, len(first))
            automaton.make_automaton()
            self._automaton = automaton

    def spans(
        self, text: str, low: int, high: int, first_only: bool = False
    ) -> list[tuple[int, int]]:
        """The spans ``pattern.finditer(text, low, high)`` gives (only the first with
        ``first_only``)."""
        automaton = self._automaton
        window = text[low:high]
        if automaton is None or not window.isascii():
            if first_only:
                found = self.pattern.search(text, low, high)
                return [found.span()] if found is not None else []
            return [found.span() for found in self.pattern.finditer(text, low, high)]
        starts = [low + last - length + 1 for last, length in automaton.iter(window.lower())]
        if not starts:
            return []  # most windows: no word starts in them
        if len(starts) > 1:
            starts = sorted(set(starts))
        spans: list[tuple[int, int]] = []
        resume = low
        match = self.pattern.match
        for start in starts:
            if start < resume:
                continue
            found = match(text, start, high)
            if found is not None:
                spans.append(found.span())
                if first_only:
                    break
                resume = found.end()
        return spans
