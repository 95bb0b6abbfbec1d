"""``prefilter._fitting_runs`` told that its text is ASCII (no ``_digits_before`` look, which
only a non-ASCII character can make true) keeps the runs its general form keeps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import _fitting_runs, _run_lengths

PIECES = st.sampled_from(["7", "12345", "1" * 12, "123456789", "x", " ", "-", "."])


@settings(max_examples=500)
@given(
    pieces=st.lists(PIECES, max_size=30),
    data=st.data(),
    bounds=st.lists(
        st.tuples(st.sampled_from([0, 6, 7, 8, 9, 10, 12]), st.sampled_from([0, 8, 9, 10, 11, 17])),
        min_size=1,
        max_size=4,
    ),
)
def test_ascii_runs_are_the_general_ones(
    pieces: list[str], data: st.DataObject, bounds: list[tuple[int, int]]
) -> None:
    text = "".join(pieces)
    ends = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=30)))
    reach = max(max(fewest, most + 1) for fewest, most in bounds)
    lengths = _run_lengths(ends, text, reach)
    for fewest, most in bounds:
        assert _fitting_runs(ends, lengths, text, fewest, most, True) == _fitting_runs(
            ends, lengths, text, fewest, most
        )
