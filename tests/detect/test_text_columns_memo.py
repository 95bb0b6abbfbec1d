"""``column_header`` with a memo kept for the text (a table's lines walked once for all its
cells) gives what the walk from each cell gives, in whatever order the cells are asked."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect import text_columns
from dlp.detect.text_columns import ColumnMemo, column_header

CELLS = ["4481902", " 4481902 ", "'536-22-1234'", "Ana", "", "Student ID", "x, y"]
DELIMITERS = ["\t", "|", ","]
NUMBERS = re.compile(r"\d[\d-]*")


def lines() -> st.SearchStrategy[list[str]]:
    row = st.tuples(st.sampled_from(DELIMITERS), st.lists(st.sampled_from(CELLS), max_size=4))
    return st.lists(
        st.one_of(
            row.map(lambda r: r[0].join(r[1])),
            st.sampled_from(["", "Dear parents,", "\r", "4481902"]),
        ),
        max_size=14,
    )


def all_agree(text: str, order: list[int]) -> None:
    spans = [found.span() for found in NUMBERS.finditer(text)]
    memo: ColumnMemo = {}
    for i in order:
        if i < len(spans):
            start, end = spans[i]
            assert column_header(text, start, end, memo) == column_header(text, start, end)


@settings(max_examples=400, deadline=None)
@given(lines(), st.sampled_from(["\n", "\r\n"]), st.permutations(range(30)))
def test_memo_as_the_walk(rows: list[str], newline: str, order: list[int]) -> None:
    all_agree(newline.join(rows), order)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 30), st.permutations(range(40)))
def test_memo_past_max_rows(header_gap: int, order: list[int]) -> None:
    # Past MAX_ROWS rows below the header, the walk stops at the row MAX_ROWS above.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_columns, "MAX_ROWS", 7)
        rows = ["Student ID\tName"] + [f"{4481900 + i}\tAna" for i in range(header_gap)]
        all_agree("Dear parents,\n" + "\n".join(rows) + "\nThanks", order)
