"""``cellmemo._row`` tells a repeated row by comparing the headers with themselves a row
later: the same answer as comparing them with the row written out over and over."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.cellmemo import MAX_ROW, _row


def _written_out(headers: list[str], start: int, stop: int) -> list[str] | None:
    """The row as ``_row`` told it before: the row repeated in full, compared."""
    count = stop - start
    if count <= 0:
        return []
    try:
        width = headers.index(headers[start], start + 1, stop) - start
    except ValueError:
        width = count
    if width > MAX_ROW:
        return None
    row = headers[start : start + width]
    if headers[start:stop] != row * (count // width) + row[: count % width]:
        return None
    return row


@given(
    row=st.lists(st.sampled_from(["Room", "Period", "", "Name"]), min_size=1, max_size=4),
    times=st.integers(0, 5),
    tail=st.lists(st.sampled_from(["Room", "Period", "", "Name"]), max_size=4),
    start=st.integers(0, 6),
    stop=st.integers(0, 30),
)
def test_as_written_out(row, times, tail, start, stop):
    headers = row * times + tail
    stop = min(stop, len(headers))  # (as ``rows_of`` asks: within the headers)
    assert _row(headers, start, stop) == _written_out(headers, start, stop)
    assert _row(headers, 0, len(headers)) == _written_out(headers, 0, len(headers))


def test_wider_than_a_row_is_none():
    headers = [str(n) for n in range(MAX_ROW + 1)] * 2
    assert _row(headers, 0, len(headers)) is None is _written_out(headers, 0, len(headers))
