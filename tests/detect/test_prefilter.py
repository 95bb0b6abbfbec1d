"""The prefilter's core database: scanning for the core patterns alone gives the windows the
database of all patterns gives them, and a text with no context skips the others' pass."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlp.detect.prefilter import PatternRef, Prefilter

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
