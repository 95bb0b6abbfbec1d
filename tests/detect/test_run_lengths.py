"""``prefilter._fitting_runs`` reads each run's ASCII digits once (``_run_lengths``) for every
pattern of the digit-run id: held to the form that sliced and tested each run per pattern, on
runs of ASCII digits with non-ASCII digits (Arabic-Indic, full-width, superscripts), letters
and separators before them, at the text's start and deeper than the count reaches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import _fitting_runs, _run_lengths


def _sliced(ends: list[int], text: str, fewest: int, most: int) -> list[int]:
    """``_fitting_runs`` as it was (the reference)."""
    if fewest:
        ends = [end for end in ends if end >= fewest and text[end - fewest : end].isdigit()]
    if most:
        reach = most + 1
        ends = [
            end
            for end in ends
            if end < reach or not ((run := text[end - reach : end]).isdigit() and run.isascii())
        ]
    return ends


PIECES = st.sampled_from(["7", "12345", "1" * 12, "\u0663", "\uff17", "\u00b2", "x", " ", "-", "é"])


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
def test_fitting_runs_from_lengths_are_the_sliced_ones(
    pieces: list[str], data: st.DataObject, bounds: list[tuple[int, int]]
) -> None:
    text = "".join(pieces)
    ends = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=30)))
    reach = max(max(fewest, most + 1) for fewest, most in bounds)
    lengths = _run_lengths(ends, text, reach)
    for fewest, most in bounds:
        assert _fitting_runs(ends, lengths, text, fewest, most) == _sliced(ends, text, fewest, most)
