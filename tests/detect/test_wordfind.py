"""Words around a match found through the Aho-Corasick shortcut are exactly the expression's
own matches (``finditer`` and ``search`` over the same span)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import negative_pattern
from dlp.detect.wordfind import WordFinder

WORDS = [
    "invoice",
    "invoice #",
    "order",
    "order number",
    "po",
    "p.o.",
    "lot #",
    "room",
    "rm",
    "copier code",
    "salón",
    "ext",
    "ref #",
]
PIECES = [
    "Invoice",
    "INVOICE #",
    "order  number",
    "order:number",
    "border",
    "PO",
    "P.O.",
    "Lot#",
    "lot 12",
    "room",
    "Rooms",
    "rm_",
    "copier-code",
    "salón",
    "SALÓN",
    "extension",
    "ref #",
    "ſ",
    "K",
    " ",
    "\n",
    ".",
    "-",
    "_",
    "4481902",
    "x",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
FINDER = WordFinder(negative_pattern(WORDS), WORDS)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, low=st.integers(0, 40), width=st.integers(0, 120))
def test_spans_are_the_expressions_matches(text: str, low: int, width: int) -> None:
    low = min(low, len(text))
    high = min(len(text), low + width)
    expected = [m.span() for m in FINDER.pattern.finditer(text, low, high)]
    assert FINDER.spans(text, low, high) == expected
    first = FINDER.pattern.search(text, low, high)
    assert FINDER.spans(text, low, high, first_only=True) == ([first.span()] if first else [])


def test_a_word_that_folds_to_ascii_keeps_the_expression() -> None:
    words = ["ſerial"]  # the long s matches "s" case-insensitively
    finder = WordFinder(negative_pattern(words), words)
    assert finder.spans("a serial b", 0, 10) == [(2, 8)]
