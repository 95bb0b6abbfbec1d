"""What the compiled reader tells of a block beside its rows (``RowBlock.all_numbered``,
``RowBlock.total_length``) is what the rows themselves say: the sheet's reader takes it
instead of looking through them."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetxml

_MAIN = b'<worksheet xmlns="' + sheetxml._MAIN_NS + b'"><sheetData>'
_CELLS = st.sampled_from(
    [
        b'<c r="A1" t="inlineStr"><is><t>x 1</t></is></c>',
        b'<c r="B2"><v>12</v></c>',
        b'<c r="C9" t="b"><v>1</v></c>',
        b'<c r="D9" t="s"><v>1</v></c>',
        b'<c r="E3" s="1"><v>45000</v></c>',
        b'<c r="F3"><v>0.30000000000000004</v></c>',
        b'<c r="G3"><v>0.3000000000000000444</v></c>',
        b'<c r="H1" t="inlineStr"><is><t>a&amp;b</t></is></c>',
        b'<c r="I1" t="inlineStr"><is><t></t></is></c>',
        b'<c r="AB7"/>',
    ]
)
_ROWS = st.sampled_from([b'<row r="4">', b"<row>", b'<row r="12" spans="1:3">'])


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(_ROWS, st.lists(_CELLS, max_size=6)), max_size=12))
def test_what_the_reader_tells_is_what_the_rows_say(
    rows: list[tuple[bytes, list[bytes]]],
) -> None:
    body = b"".join(start + b"".join(cells) + b"</row>" for start, cells in rows)
    data = _MAIN + body + b"</sheetData></worksheet>"
    strings = ["", "shared", "x"]
    for block in sheetxml.sheet_blocks(io.BytesIO(data), strings, frozenset({1})):
        if block.all_numbered:
            assert None not in block.numbers
        if block.total_length >= 0:
            assert block.lengths is not None
            assert block.total_length == int(block.lengths.sum())
            assert block.total_length == sum(map(len, block.texts))
        if block.row_numbers is not None:  # (the compiled reader's: it always knows)
            assert block.all_numbered == (None not in block.numbers)
