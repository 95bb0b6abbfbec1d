"""``Prefilter.windows`` works from the ends of each Hyperscan id (patterns given one form share
it), not from ``ends`` by pattern: held here to the windows built from ``ends`` one pattern at
a time, as they were, with the shipped patterns (the digit-run form shared by patterns of
different digit counts among them; the runs too short or too long for a pattern passed over).
``test_digit_run_most`` holds the findings to those of windows that keep the too-long runs."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import DIGIT_RUN, Prefilter, _merge

PIECES = st.sampled_from(
    [
        "536-22-1234",
        "536 22 1234",
        "SSN536221234",
        "1234567",
        "12345678901",
        "4111 1111 1111 1111",
        "(555) 123-4567",
        "+44 20 7946 0958",
        "03/14/2011",
        "2011-03-14",
        "kid@example.org",
        "ID 4685687",
        "Student ID:",
        "DOB",
        "phone",
        "x",
        "é",
        " ",
        "\n",
        ".",
        "-",
        "7",
    ]
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)


def _reference(prefilter: Prefilter, text: str, wanted: frozenset[int] | None) -> dict[int, Any]:
    """The windows from ``ends``, pattern by pattern (the loop before the shared one)."""
    windows = {}
    for pattern_id, hit_ends in prefilter.ends(text, wanted).items():
        found = sorted(hit_ends)
        digits, most = prefilter._run_digits[pattern_id], prefilter._run_most[pattern_id]
        if digits > DIGIT_RUN:
            found = [end for end in found if end >= digits and text[end - digits : end].isdigit()]
        if most:
            # (a run of more than ``most`` ASCII digits: ``digit_run_most``)
            found = [
                end
                for end in found
                if not (end > most and all(c in "0123456789" for c in text[end - most - 1 : end]))
            ]
        if (digits > DIGIT_RUN or most) and not found:
            continue
        windows[pattern_id] = _merge(
            found,
            prefilter.refs[pattern_id].width,
            text,
            len(text),
            prefilter._spaceless[pattern_id],
            prefilter._reach[pattern_id],
            prefilter._lineless[pattern_id],
        )
    return windows


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, picked=st.sets(st.integers(0, 200), max_size=12))
def test_windows_are_those_built_pattern_by_pattern(
    scanner: Any, text: str, picked: set[int]
) -> None:
    prefilter = scanner.prefilter
    every = frozenset(range(len(prefilter.refs)))
    for wanted in (None, every, frozenset(picked) & every, frozenset(scanner._free_patterns)):
        windows = prefilter.windows(text, wanted)
        reference = _reference(prefilter, text, wanted)
        assert windows == reference
        assert list(windows) == list(reference)  # the order the recognizers run in
