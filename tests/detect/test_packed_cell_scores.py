"""A match alone between blank lines (a packed spreadsheet cell's value) is scored by its
cell's header words alone (``ContextRule.scorer``'s shortcut): the same score and words as
the general way, which weighs every word around it, finds its pasted table's column and looks
for negative words. Held here on packed cells whose texts hold labels, negative words, glued
labels, line breaks and tables of their own, with and without a floor."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import NEGATIVE_FACTOR, ContextRule, TextContext, boosted
from dlp.detect.text_columns import column_and_header_row
from dlp.detect.text_index import TextIndexer
from dlp.extract.celltable import SEPARATOR
from tests.detect.context_rules import LABEL_RULES

RULES = [
    *LABEL_RULES,
    # A gradebook's "ID" column: a label only in a table whose header row names a score.
    ContextRule(("ssid",), 40, 20, ("room", "order #"), columns=("ID",), columns_with=("score",)),
    ContextRule((), 40, 20, (), columns=("ID", "Grade"), columns_with=("name",)),
]
INDEXER = TextIndexer(
    (),
    tuple(
        {word for rule in RULES if rule.indexed for word in (*rule.words, *rule.columns)}
        | {"room"}  # a context phrase of no rule here, indexed all the same
    ),
)
# What stands before and after a value in a cell: labels and negative words (one glued to
# what follows, some that end in the punctuation a label's gap holds), then what lies between
# them and the value (line breaks, blank lines, padding, a sentence's end).
WORDS = [
    "SSN", "ssn:", "Room", "lot", "order #", "Student ID:", "ssid", "x", "ID", "AnaRuizSSN:",
    "Room4481902", "ss no.", "ſs:", "SALÓN", "p.o.", "Mr.",
]  # fmt: skip
GAPS = ["\n", "\n\n", " ", "\t", "|", ",", "'", '"', "\r\n", "\r", ".", ". The "]
VALUES = [
    "4481902", "536-22-1234", "A+", "SSN4481902",
    "\nStudent ID\tScore\n4481902\t9\n", "SSN|Name|Room\n536-22-1234|x|1\n",
]  # fmt: skip
SIDE = st.tuples(
    st.lists(st.sampled_from(WORDS), max_size=1), st.lists(st.sampled_from(GAPS), max_size=2)
)
CELLS = st.tuples(SIDE, st.lists(st.sampled_from(VALUES), max_size=2), SIDE).map(
    lambda p: "".join(p[0][0] + p[0][1] + p[1] + p[2][1] + p[2][0])
)
HEADERS = ["SSN", "Room", "ID", "Student ID", "Name", "Score", "Order #", ""]
SPANS = re.compile(r"\d[\d-]*|\b[A-F]\+?")


def general(
    rule: ContextRule, context: TextContext, start: int, end: int, base: float
) -> tuple[float, tuple[str, ...]]:
    """The score the general way: a pasted table's column, the words around the match, the
    negative words, a column label."""
    text = context.text
    column = column_and_header_row(text, start, end) if text else None
    if column is not None:
        return rule._score_in_column(context, column[0], start, base, column[1])
    words, closest = rule._positive(context, start, end)
    if rule._negative is not None and rule._negative_nearer(text, start, end, closest):
        return base * NEGATIVE_FACTOR, ()
    if not words and rule._column_cells and context.cell_headers:
        label = rule.column_label(context.cell_header_at(start), context.header_row(start))
        if label is not None:
            return boosted(base, (label,)), (label,)
    return boosted(base, words), words


def packed_context(cells: list[str], headers: list[str], extra: str, rows: int) -> TextContext:
    text = SEPARATOR.join(cells)
    starts, at = [], 0
    for cell in cells:
        starts.append(at)
        at += len(cell) + len(SEPARATOR)
    headers = (headers * len(cells))[: len(cells)] if headers else [""] * len(cells)
    header_rows: list[tuple[int, str]] = []
    if rows:  # the cells as one table, or as tables of ``rows`` cells each
        for first in range(0, len(cells), rows):
            header_rows.append((first, "\t".join(dict.fromkeys(headers[first : first + rows]))))
    return TextContext(
        INDEXER,
        INDEXER.index(text)[1],
        frozenset(INDEXER.phrases_in(extra)),
        starts,
        tuple(frozenset(INDEXER.phrases_in(header)) for header in headers),
        text,
        extra,
        headers,
        header_rows=header_rows,
    )


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(CELLS, min_size=1, max_size=8),
    st.lists(st.sampled_from(HEADERS), max_size=4),
    st.sampled_from(["", "Student SSN", "room"]),
    st.integers(0, 3),
    st.sampled_from([0.05, 0.3, 0.5, 1.0]),
    st.sampled_from([0.0, 0.4, 0.6]),
)
def test_a_packed_cell_scored_as_the_general_way(
    cells: list[str], headers: list[str], extra: str, rows: int, base: float, floor: float
) -> None:
    context = packed_context(cells, headers, extra, rows)
    text = context.text
    for rule in RULES:
        score = rule.scorer(context)
        for found in SPANS.finditer(text):
            start, end = found.span()
            expected = general(rule, context, start, end, base)
            got = score(start, end, base, floor)
            if expected[0] >= floor:
                assert got == expected
            else:  # (the caller drops it: its negative words need not be weighed)
                assert got[0] < floor


def test_a_cell_takes_its_header_words_not_its_neighbours() -> None:
    cells = ["Room 12", "4481902", "order # 7", "4481902"]
    context = packed_context(cells, ["Room", "Student ID", "Order #", "SSN"], "", 1)
    start = context.text.index("4481902")
    rule = RULES[1]
    assert rule.scorer(context)(start, start + 7, 0.05, 0.0) == (0.4, ("student id",))
    last = context.text.rindex("4481902")
    assert rule.scorer(context)(last, last + 7, 0.05, 0.0) == (0.05, ())


NEAR_WORDS = ["", "SSN", "Room", "order #", "ss no.", "AnaRuizSSN:", "Student ID:", "ID"]
NEAR_GAPS = ["", " ", "\n", "\n\n", " \n", "\n ", "\t", ". "]


def test_every_neighbourhood_of_a_cell_value() -> None:
    """Each label or negative word, at each gap before or after a value, with neighbour cells
    that hold them too: every way the shortcut's test (a blank line before, a line break
    after) can be met or just missed."""
    for before, gap_before, gap_after, after in itertools.product(
        NEAR_WORDS, NEAR_GAPS, NEAR_GAPS, NEAR_WORDS
    ):
        cell = f"{before}{gap_before}4481902{gap_after}{after}"
        context = packed_context(["Room 1 ssid", cell, "order # 2"], ["Name", "ID"], "", 1)
        start = context.text.index("4481902")
        for rule in RULES:
            score = rule.scorer(context)
            for base in (0.05, 0.5):
                assert score(start, start + 7, base, 0.0) == general(
                    rule, context, start, start + 7, base
                ), (cell, rule)
