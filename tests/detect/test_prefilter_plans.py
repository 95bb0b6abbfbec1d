"""``Prefilter.windows`` reads what it needs of each pattern from a plan made once per set of
wanted patterns (``_plans``), and moves only the ends of the Hyperscan ids it uses
(``_reported``, ``_moved``): held here to the windows a prefilter with no plan kept makes, to
the reports moved for every id (as ``ends`` gives them), and to each other whatever order the
sets of wanted patterns come in."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import Prefilter

PIECES = st.sampled_from(
    [
        "536-22-1234",
        "SSN536221234",
        "1234567",
        "12345678901",
        "(555) 123-4567",
        "03/14/2011",
        "kid@example.org",
        "Student ID:",
        "phone",
        "x",
        "é",
        " ",
        "\n",
        "7",
    ]
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)


def _fresh(prefilter: Prefilter, text: str, wanted: frozenset[int] | None) -> dict[int, Any]:
    """The windows with the plans forgotten: made anew for this set."""
    prefilter._by_wanted.clear()
    return prefilter.windows(text, wanted)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=TEXTS,
    picks=st.lists(st.sets(st.integers(0, 200), max_size=12), min_size=1, max_size=4),
)
def test_windows_from_a_kept_plan_are_those_of_a_new_one(
    scanner: Any, text: str, picks: list[set[int]]
) -> None:
    prefilter = scanner.prefilter
    every = frozenset(range(len(prefilter.refs)))
    sets = [None, every, *(frozenset(picked) & every for picked in picks)]
    kept = [prefilter.windows(text, wanted) for wanted in sets]  # plans made and kept
    again = [prefilter.windows(text, wanted) for wanted in reversed(sets)][::-1]
    fresh = [_fresh(prefilter, text, wanted) for wanted in sets]
    for one, two, three in zip(kept, again, fresh, strict=True):
        assert one == two == three
        assert list(one) == list(two) == list(three)  # the order the recognizers run in


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_ends_are_the_reports_moved(scanner: Any, text: str) -> None:
    prefilter = scanner.prefilter
    reported = {
        shared_id: list(found) for shared_id, found in prefilter._reported(text, None, None).items()
    }
    ends = prefilter.ends(text)
    for shared_id, found in reported.items():
        moved = prefilter._moved(shared_id, found, text)
        for pattern_id in prefilter._groups[shared_id]:
            assert ends[pattern_id] == moved
    assert set(ends) == {p for shared_id in reported for p in prefilter._groups[shared_id]}
