"""sheetxml's gathered cell texts and column names against the slices and look-ups they
stand in for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetxml


@st.composite
def texts_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
    spans = []
    for _ in range(draw(st.integers(0, 20))):
        start = draw(st.integers(0, len(text)))
        spans.append((start, draw(st.integers(start, len(text)))))
    return text, spans


@settings(max_examples=300, deadline=None)
@given(texts_and_spans())
def test_cell_texts_are_the_slices(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = case
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, b in spans], dtype=np.int64)
    assert sheetxml._cell_texts(text, starts, ends) == [text[a:b] for a, b in spans]


@given(st.lists(st.integers(0, 800), max_size=50))
def test_column_array_gives_the_column_names(numbers: list[int]) -> None:
    last = max(numbers, default=0)
    picked = sheetxml._column_array(last)[np.array(numbers, dtype=np.int64)].tolist()
    assert picked == [sheetxml._column_names(last)[n] for n in numbers]
    assert picked == [sheetxml.column_letters(n) if n else "" for n in numbers]
