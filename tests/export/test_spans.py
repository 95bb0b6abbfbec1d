"""Which texts hold a pattern's ends (``batching._Spans.holding``): in numpy for many ends, by
bisection for few, both exactly the texts the gate's first loop touched, each once."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given
from hypothesis import strategies as st

from dlp.export import batching
from dlp.export.batching import _Spans


def reference(starts: list[int], ends: list[int], offsets: list[int]) -> list[int]:
    """The loop the gate ran per end, as first written."""
    touched: list[int] = []
    for offset in offsets:
        index = bisect_left(ends, offset)
        while index < len(starts) and starts[index] <= offset:
            if ends[index] > starts[index] and index not in touched:
                touched.append(index)
            index += 1
    return sorted(touched)


@st.composite
def texts_and_ends(draw: st.DrawFn) -> tuple[list[int], list[int], list[int]]:
    # Lengths 0 included (empty cells hold nothing); gaps of 0 included (texts that touch).
    lengths = draw(st.lists(st.integers(0, 6), min_size=1, max_size=40))
    gaps = draw(st.lists(st.integers(0, 2), min_size=len(lengths), max_size=len(lengths)))
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for length, gap in zip(lengths, gaps, strict=True):
        starts.append(position)
        ends.append(position + length)
        position += length + gap
    offsets = sorted(draw(st.lists(st.integers(0, position + 2), max_size=80)))
    return starts, ends, offsets


@given(texts_and_ends())
def test_holding_is_the_texts_the_loop_touched(case):
    starts, ends, offsets = case
    assert _Spans(starts, ends).holding(offsets) == reference(starts, ends, offsets)


@given(texts_and_ends())
def test_numpy_and_bisection_agree(case):
    starts, ends, offsets = case
    few = batching._FEW_OFFSETS
    try:
        batching._FEW_OFFSETS = 0  # every call through numpy
        through_numpy = _Spans(starts, ends).holding(offsets)
    finally:
        batching._FEW_OFFSETS = few
    assert through_numpy == reference(starts, ends, offsets)
