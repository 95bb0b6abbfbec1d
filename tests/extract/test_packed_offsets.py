"""A packed table's offsets kept as int64 arrays (``celltable.packed(lazy=True)``, a reader's
block) read exactly as the lists of ints they stood for before, and as those of a table made
with lists (``ListedCells``): same values, same types, same equality, same length."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from dlp.extract.celltable import (
    GAP,
    SEPARATOR,
    ListedCells,
    TextCells,
    cell_chars,
    cells_of,
    head,
    packed,
)
from dlp.model import CellTable, Location, Segment

TEXTS = st.lists(st.text(max_size=12), min_size=1, max_size=40)


def _listed(texts: list[str]) -> tuple[list[int], list[int]]:
    """The offsets as ``packed`` made them before, one int at a time."""
    starts, ends, at = [], [], 0
    for text in texts:
        starts.append(at)
        ends.append(at + len(text))
        at += len(text) + GAP
    return starts, ends


def _segment(texts: list[str], lazy: bool = True) -> Segment:
    locations = [Location(path="a.csv", row=n + 1) for n in range(len(texts))]
    return packed(texts, ["h"] * len(texts), locations, lazy=lazy)


@given(TEXTS, st.booleans())
def test_offsets_read_as_lists_of_ints(texts: list[str], lazy: bool) -> None:
    segment = _segment(texts, lazy)
    cells = segment.cells
    assert type(cells) is (TextCells if lazy else ListedCells)
    assert len(cells) == len(texts)  # (told before the lists are made)
    assert cell_chars(segment) == sum(map(len, texts))
    assert type(cell_chars(segment)) is int
    starts, ends = _listed(texts)
    assert type(cells.starts) is list and type(cells.ends) is list
    assert cells.starts == starts and cells.ends == ends
    assert all(type(v) is int for v in [*cells.starts, *cells.ends])
    assert cells.starts is cells.starts  # made once
    assert segment.text == SEPARATOR.join(texts)
    assert [c.text for c in cells_of(segment)] == texts


@given(TEXTS, st.booleans())
def test_equal_to_the_plain_table_and_replaced_alike(texts: list[str], lazy: bool) -> None:
    segment = _segment(texts, lazy)
    cells = segment.cells
    assert cells is not None
    starts, ends = _listed(texts)
    plain = CellTable(
        base=cells.base,
        starts=starts,
        ends=ends,
        headers=cells.headers,
        locations=cells.locations,
    )
    assert cells == plain
    assert cells == _segment(texts, not lazy).cells
    moved = replace(cells, starts=[s + 1 for s in starts])
    assert moved.starts == [s + 1 for s in starts] and moved.ends == ends
    assert cells.index_of(ends[-1]) == plain.index_of(ends[-1])


@given(TEXTS, st.integers(min_value=1, max_value=40))
def test_head_of_a_fresh_table(texts: list[str], count: int) -> None:
    """A table whose offsets were never read, cut before anything else reads them."""
    first = head(_segment(texts), count)
    again = head(_segment(texts), count)
    assert first.text == again.text
    if first.cells is not None:
        starts, ends = _listed(texts[:count])
        assert first.cells.starts == starts and first.cells.ends == ends
