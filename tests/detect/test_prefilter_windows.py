"""``Prefilter.windows`` works from Hyperscan's reports by Hyperscan id (patterns that share an
id and the same shape share their windows); held here to the form it had, windows made per
pattern from ``Prefilter.ends``, on the shipped patterns."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import DIGIT_RUN, Prefilter, _merge
from dlp.engine import DetectionConfig, build_scanner


@cache
def _prefilter() -> Prefilter:
    return build_scanner(DetectionConfig(secret=b"test-secret-0123456789")).prefilter


def _windows_per_pattern(
    prefilter: Prefilter, text: str, wanted: frozenset[int] | None
) -> dict[int, list[tuple[int, int]]]:
    """The windows as they were made: from ``ends``, one pattern at a time."""
    windows = {}
    for pattern_id, hit_ends in prefilter.ends(text, wanted).items():
        found = sorted(hit_ends)
        digits = prefilter._run_digits[pattern_id]
        if digits > DIGIT_RUN:
            found = [end for end in found if end >= digits and text[end - digits : end].isdigit()]
            if not found:
                continue
        windows[pattern_id] = _merge(
            found,
            prefilter.refs[pattern_id].width,
            text,
            len(text),
            prefilter._spaceless[pattern_id],
            prefilter._reach[pattern_id],
        )
    return windows


PIECES = st.sampled_from(
    [
        "123456789",
        "12345",
        "1234567890",
        "536-22-1234",
        "536 22 1234",
        "(555) 123-4567",
        "020 7946 0958",
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "03/14/2011",
        "2011-03-14",
        "March 4, 2011",
        "kid@example.org",
        "ID:4685687",
        "SSN536221234",
        " 12 Oak Street",
        "password: hunter22",
        "IEP",
        "ssn",
        "dob",
        "phone",
        "student id",
        "homeless",
        " ",
        "\n",
        "\t",
        "x",
        "4.5",
        "-",
        "é",
        "\u00a0",
    ]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(PIECES, max_size=30), data=st.data())
def test_windows_are_those_made_per_pattern_from_the_ends(
    pieces: list[str], data: st.DataObject
) -> None:
    prefilter = _prefilter()
    text = "".join(pieces)
    count = len(prefilter.refs)
    wanted = data.draw(
        st.none() | st.frozensets(st.integers(min_value=0, max_value=count - 1)), label="wanted"
    )
    assert prefilter.windows(text, wanted) == _windows_per_pattern(prefilter, text, wanted)
    ascii_bytes = text.encode("ascii") if text.isascii() else None
    assert prefilter.windows(text, wanted, ascii_bytes) == _windows_per_pattern(
        prefilter, text, wanted
    )


def test_the_core_alone_and_everything() -> None:
    prefilter = _prefilter()
    text = "SSN 536-22-1234, student id 4685687, call (555) 123-4567 or 020 7946 0958"
    for wanted in (None, prefilter._core_ids, frozenset(range(len(prefilter.refs)))):
        expected = _windows_per_pattern(prefilter, text, wanted)
        assert expected
        assert prefilter.windows(text, wanted) == expected
