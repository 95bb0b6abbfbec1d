"""The prefilter's core database: scanning for the core patterns alone gives the windows the
database of all patterns gives them, and a text with no context skips the others' pass; and
the windows merged in one loop, held to the form they had with a call per step."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import (
    _NEWLINE,
    _SNAP_LIMIT,
    _SPACE,
    _WHITESPACE,
    PatternRef,
    Prefilter,
    _merge,
)

PATTERNS = [
    (r"(?<![\w.-])\d{9}(?![\w-]|\.\d)", 0, PatternRef(0, 0, 9)),  # needs context
    (r"\b\d{3}-\d{2}-\d{4}\b", 0, PatternRef(0, 1, 11)),
    (r"[\w.+-]{1,64}@[\w-]{1,63}\.[a-z]{2,24}", 0, PatternRef(1, 0, 152)),
]
CORE = {1, 2}
TEXTS = st.lists(
    st.sampled_from(["123456789", "536-22-1234", "kid@example.org", " ", "\n", "x", "4.5"]),
    max_size=40,
).map("".join)


@given(text=TEXTS)
def test_core_windows_are_the_full_scans_windows(text: str) -> None:
    split = Prefilter(PATTERNS, core=CORE)
    whole = Prefilter(PATTERNS)
    everything = whole.windows(text)
    assert split.windows(text) == everything
    assert split.windows(text, frozenset(CORE)) == {
        pattern: windows for pattern, windows in everything.items() if pattern in CORE
    }
    assert split.windows(text, frozenset({0})) == {
        pattern: windows for pattern, windows in everything.items() if pattern == 0
    }
    assert split.windows(text, frozenset()) == {}


def test_a_digit_run_gives_no_window_when_only_the_core_is_wanted() -> None:
    split = Prefilter(PATTERNS, core=CORE)
    text = "qty 123456789 and 987654321, code 536-22-1234"
    assert set(split.windows(text)) == {0, 1}
    assert set(split.windows(text, frozenset(CORE))) == {1}


def _snap_end(text: str, end: int, length: int) -> int:
    if end >= length:
        return length
    space = _WHITESPACE.search(text, end, min(length, end + _SNAP_LIMIT))
    return space.start() if space else min(length, end + _SNAP_LIMIT)


def _merge_stepwise(
    ends: list[int], width: int, text: str, length: int, spaceless: bool, reach: int
) -> list[tuple[int, int]]:
    """``_merge`` as it was written before its loop was made one (the reference)."""
    windows: list[tuple[int, int]] = []
    current_start = current_end = -1
    for end in ends:
        start = end - width if end > width else 0
        if spaceless and start < end and end > current_end:
            start = max(
                start, text.rfind(_SPACE, start, end) + 1, text.rfind(_NEWLINE, start, end) + 1
            )
        stop = end + reach
        if current_end >= 0 and start <= current_end:
            if stop > current_end:
                current_end = _snap_end(text, stop, length)
            continue
        if current_end >= 0:
            windows.append((current_start, current_end))
        current_start, current_end = start, _snap_end(text, stop, length)
    if current_end >= 0:
        windows.append((current_start, current_end))
    return windows


PIECES = st.sampled_from(
    ["x", "7", " ", "\n", "\t", "\x1c", "\u2028", "é", "-", "ab", "  ", "x" * 90, "x" * 300]
)


@settings(max_examples=400)
@given(
    pieces=st.lists(PIECES, max_size=120),
    data=st.data(),
    width=st.integers(min_value=0, max_value=700),
    spaceless=st.booleans(),
    reach=st.integers(min_value=0, max_value=90),
)
def test_windows_merged_in_one_loop_are_the_stepwise_ones(
    pieces: list[str], data: st.DataObject, width: int, spaceless: bool, reach: int
) -> None:
    text = "".join(pieces)
    ends = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=40)))
    assert _merge(ends, width, text, len(text), spaceless, reach) == _merge_stepwise(
        ends, width, text, len(text), spaceless, reach
    )
