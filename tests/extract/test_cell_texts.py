"""sheetxml's column names and long numbers against the look-ups and formatting they stand
in for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetxml


@given(st.lists(st.integers(0, 800), max_size=50))
def test_column_array_gives_the_column_names(numbers: list[int]) -> None:
    last = max(numbers, default=0)
    picked = sheetxml._column_array(last)[np.array(numbers, dtype=np.int64)].tolist()
    assert picked == [sheetxml._column_names(last)[n] for n in numbers]
    assert picked == [sheetxml.column_letters(n) if n else "" for n in numbers]


# Numbers as a sheet holds them: doubles as Python (and Excel) write them, with or without a
# sign or an exponent, and a few that are not numbers at all.
NUMBERS = (
    st.floats(allow_nan=False, allow_infinity=False).map(repr)
    | st.floats(min_value=-1e6, max_value=1e6).map(lambda x: repr(x).upper())
    | st.from_regex(r"[-+]?[0-9]{0,20}\.[0-9]{0,20}(e[-+]?[0-9]{1,3})?", fullmatch=True)
    | st.sampled_from(["nan", "inf", "1_0.5", "-.", "12345678901234567890", "+1.00000000000000001"])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBERS.filter(lambda v: len(v) > sheetxml.SHOWN_DIGITS + 1), max_size=12))
def test_numbers_shown_together_are_shown_one_by_one(values: list[str]) -> None:
    texts = ["x", *values]
    sheetxml._shown_numbers(texts, list(range(1, len(texts))))
    assert texts == ["x", *map(sheetxml.shown_number, values)]


PLAIN = st.floats(min_value=-1e15, max_value=1e15).map(repr)


@settings(max_examples=200, deadline=None)
@given(st.lists(PLAIN.filter(lambda v: "e" not in v and len(v.lstrip("-")) > 16), min_size=1))
def test_plain_fractions_shown_together_are_shown_one_by_one(values: list[str]) -> None:
    assert sheetxml._PLAIN_FRACTIONS.fullmatch("\x00".join(values) + "\x00")
    texts = list(values)
    sheetxml._shown_numbers(texts, list(range(len(texts))))
    assert texts == list(map(sheetxml.shown_number, values))
