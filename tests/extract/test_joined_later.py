"""A reader's block (``celltable.packed(lazy=True)``) joins its text only when it is read
(``JoinedLater``): read, compared, copied, replaced and pickled, it is the ``Segment`` that
``packed`` made with its text joined at once."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.extract.celltable import SEPARATOR, JoinedLater, TablePacker, packed
from dlp.model import Location, Segment

TEXTS = st.lists(st.text(max_size=12), min_size=1, max_size=40)


def _pair(texts: list[str]) -> tuple[Segment, Segment]:
    """The same cells as a lazy block and as a block joined at once."""
    locations = [Location(path=("a.xlsx",), sheet="S", cell=f"A{n + 1}") for n in range(len(texts))]
    headers = ["h"] * len(texts)
    lazy = packed(texts, headers, locations, lazy=True)
    eager = packed(texts, headers, locations)
    return lazy, Segment(eager.text, eager.location, eager.context, lazy.cells)


@given(TEXTS)
def test_read_as_the_joined_segment(texts: list[str]) -> None:
    lazy, joined = _pair(texts)
    assert type(lazy) is JoinedLater and isinstance(lazy, Segment)
    assert lazy == joined and joined == lazy and (lazy != joined) is False
    assert lazy.text == SEPARATOR.join(texts) and lazy.text is lazy.text  # joined once
    assert (lazy.location, lazy.context, lazy.cells) == (
        joined.location,
        joined.context,
        joined.cells,
    )
    assert repr(lazy).replace("JoinedLater", "Segment") == repr(joined)


@given(TEXTS)
def test_copied_replaced_and_pickled_alike(texts: list[str]) -> None:
    lazy, joined = _pair(texts)
    assert copy.copy(lazy) == joined
    assert pickle.loads(pickle.dumps(lazy)) == joined
    moved = replace(lazy, context="c")
    assert moved == replace(joined, context="c") and moved.text == joined.text
    fresh, _ = _pair(texts)  # its text not read yet
    assert pickle.loads(pickle.dumps(fresh)).text == joined.text


def test_frozen_as_a_segment() -> None:
    lazy, _ = _pair(["a", "b"])
    with pytest.raises(FrozenInstanceError):
        lazy.text = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        lazy.context = "x"  # type: ignore[misc]


def test_a_packers_blocks_are_joined_later() -> None:
    table = TablePacker(Location(path=("a.csv",)), block=64, small=32, first=16)
    for n in range(40):
        table.add(f"cell {n}", "h", row=n + 1)
    blocks = [*table.blocks(), *table.blocks(final=True)]
    packed_blocks = [block for block in blocks if block.cells is not None]
    assert packed_blocks and all(type(block) is JoinedLater for block in packed_blocks)
    texts = [text for block in packed_blocks for text in block.text.split(SEPARATOR)]
    assert texts == [f"cell {n}" for n in range(40)]
