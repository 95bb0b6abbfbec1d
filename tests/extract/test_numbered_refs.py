"""A worksheet's cell references kept as column and row numbers (``NumberedRefs``) read as
the list of the references written out, however they are added, sliced and cut; and a
sheet whose numbers are past int64 (read by lxml) is located as the per-cell reader did."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetxml, xlsx
from dlp.extract.celltable import NumberedRefs, cell_letters
from tests.extract.test_xlsx_blocks import _same_as_per_cell

_NUMBER = st.one_of(st.integers(1, 30), st.integers(1, 20_000), st.integers(1, 10**12))
_CHUNK = st.lists(st.tuples(_NUMBER, st.integers(0, 2_000_000)), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CHUNK, st.booleans()), max_size=5), st.data())
def test_numbered_refs_read_as_the_written_list(chunks, data):
    refs, written = NumberedRefs(), []
    for cells, by_object in chunks:
        dtype = object if by_object else np.int64
        refs.add(
            np.array([column for column, _ in cells], dtype=dtype),
            np.array([row for _, row in cells], dtype=dtype),
        )
        written += [sheetxml.column_letters(column) + str(row) for column, row in cells]
        assert len(refs) == len(written)
        assert refs == written
        if written:
            at = data.draw(st.integers(-len(written), len(written) - 1))
            assert refs[at] == written[at]
            start = data.draw(st.integers(0, len(written)))
            stop = data.draw(st.integers(start, len(written)))
            assert list(refs[start:stop]) == written[start:stop]
            cut = data.draw(st.integers(0, len(written)))
            del refs[:cut]
            del written[:cut]
            assert list(refs) == written


def test_letters_are_column_letters():
    for number in [*range(1, 20_000), 18_278, 18_279, 475_254, 10**15]:
        assert cell_letters(number) == sheetxml.column_letters(number)
        assert xlsx._column_number(sheetxml.column_letters(number)) == number


def test_numbers_past_int64_are_located_as_written():
    """The kernel gives such a sheet up; lxml reads the numbers as Python ints."""
    huge = "9" * 25
    rows = [
        ('<row r="{n}">{cells}</row>', ['<c r="A{n}" t="inlineStr"><is><t>Room</t></is></c>']),
        (
            f'<row r="{huge}">{{cells}}</row>',
            [f'<c r="ZZZZZZZZZZZZZZZ{huge}" t="inlineStr"><is><t>Ada Lovelace</t></is></c>'],
        ),
        ("<row>{cells}</row>", ['<c r="B{n}"><v>42</v></c>']),
    ]
    _same_as_per_cell(rows)
