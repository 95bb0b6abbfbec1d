"""Blocks of inline strings and short numbers skip the kernel reader's fixing step (the
kernel counts no cell to fix): they read as the pattern reads them all the same, with their
texts' lengths, and any cell that needs fixing sends its block the whole way. The kernel's
count is held to the numpy test it replaced (``_plain``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetkernel, sheetxml
from tests.extract import test_sheetxml

STRINGS = ["Student ID", "", "x < y"]
DATES = frozenset({3})
PLAIN_CELLS = [
    '<c r="A{n}" t="inlineStr"><is><t>{k} Lopez</t></is></c>',
    '<c r="B{n}" t="inlineStr"><is><t xml:space="preserve"> {k} </t></is></c>',
    '<c r="C{n}"><v>{k}</v></c>',
    '<c r="D{n}" s="1" t="n"><v>-{k}.5</v></c>',
    '<c r="E{n}" t="str"><f>A1</f><v>{k}x</v></c>',
    '<c r="F{n}" s="2"/>',
    '<c r="AA{n}"><v>0.30000000000000004</v></c>',
    '<c r="G{n}" t="e"><v>#N/A</v></c>',
]
FIXED_CELLS = [
    '<c r="H{n}" t="s"><v>{k}</v></c>',
    '<c r="I{n}" t="b"><v>1</v></c>',
    '<c r="J{n}" s="3"><v>36526</v></c>',
    '<c r="K{n}" t="inlineStr"><is><t>a &amp; b</t></is></c>',
    '<c r="L{n}"><v>1.2345678901234567e-5</v></c>',
    '<c r="M{n}" t="s"><v>1</v></c>',
]


def _block(rows: list[list[str]], index: int) -> bytes:
    return "".join(
        f'<row r="{n + 1}">' + "".join(c.format(n=n + 1, k=index) for c in cells) + "</row>"
        for n, cells in enumerate(rows)
    ).encode()


def _read(block: bytes) -> tuple[sheetxml.RowBlock, bool]:
    kernel = sheetkernel.compiled()
    assert kernel is not None
    cells, rows, text = sheetxml._scratch(len(block))
    count, _, _, _, fixes = kernel(block, cells, rows, text, sheetxml._dated(DATES))
    plain = _plain(cells, count)
    assert plain is (fixes == 0)
    read = sheetxml._kernel_block(kernel, block, STRINGS, DATES)
    assert read is not None
    return read[0], plain


def _plain(cells: np.ndarray, count: int) -> bool:
    """Whether every text the kernel read is its value as written, as ``sheetxml`` told it
    before the kernel counted the cells to fix."""
    kinds = cells[sheetkernel.KIND, :count]
    counts = np.bincount(kinds, minlength=sheetkernel.KIND_DATED + 1)
    if counts[sheetkernel.KIND_S] or counts[sheetkernel.KIND_B] or counts[sheetkernel.KIND_DATED]:
        return False
    if cells[sheetkernel.SPECIAL, :count].any():
        return False
    numeric = kinds <= sheetkernel.KIND_N  # KIND_NONE or KIND_N
    return not (numeric & (cells[sheetkernel.LENGTH, :count] > sheetxml.SHOWN_DIGITS + 1)).any()


@pytest.fixture(autouse=True)
def _needs_numba() -> None:
    pytest.importorskip("numba")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(PLAIN_CELLS), max_size=6), min_size=1, max_size=8),
    st.lists(st.sampled_from(FIXED_CELLS), max_size=2),
    st.integers(0, 4),
)
def test_plain_blocks_and_the_others_read_as_the_pattern_does(rows, fixed, index):
    rows[-1] = rows[-1] + fixed
    block = _block(rows, index)
    read, plain = _read(block)
    assert plain is (not fixed)
    assert read == sheetxml.RowBlock.of(sheetxml._pattern_rows(block, STRINGS, DATES) or [])
    assert read.lengths is not None
    assert read.lengths.tolist() == [len(text) for text in read.texts]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(test_sheetxml.VALUE_SHAPES),
            st.one_of(test_sheetxml.VALUE_TEXTS, test_sheetxml.LONG_NUMBERS),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([frozenset(), DATES, frozenset({0, 1})]),
)
def test_the_kernel_counts_the_cells_to_fix_as_numpy_told_them(cells, dates):
    """Any values in any cell shape, with and without date styles: no cell to fix exactly
    where ``_plain`` found every text as written."""
    kernel = sheetkernel.compiled()
    assert kernel is not None
    block = "".join(
        f'<row r="{n}">{shape.format(n=n, col="A", v=value)}</row>'
        for n, (shape, value) in enumerate(cells, start=1)
    ).encode()
    fields, rows, text = sheetxml._scratch(len(block))
    count, _, _, _, fixes = kernel(block, fields, rows, text, sheetxml._dated(dates))
    if count != sheetkernel.NOT_UNDERSTOOD:
        assert (fixes == 0) is _plain(fields, count)
