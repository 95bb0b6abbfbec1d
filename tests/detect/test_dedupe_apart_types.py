"""``dedupe._apart`` tells a type's change by identity first and compares only when the two
objects differ: the same answer as comparing every one, also where one type is written by two
different objects (a type read from a file, or built, beside a recognizer's constant), and for
zeros of both kinds and scores that are not numbers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.dedupe import _apart
from dlp.detect.matches import RawMatch


def _apart_by_comparison(ordered: list[RawMatch]) -> bool:
    """``_apart`` as it was: every type compared, a zero told by ``== 0``."""
    entity_type = None
    reach = 0
    for match in ordered:
        score = match.score
        start = match.start
        if score != score or score == 0 or start >= match.end:
            return False
        if match.entity_type != entity_type:
            entity_type = match.entity_type
        elif start < reach:
            return False
        reach = match.end
    return True


# Each type twice: the constant, and an equal string that is another object.
TYPES = [
    written
    for name in ("US_SSN", "PHONE_NUMBER")
    for written in (name, "".join(reversed(name[::-1])))
]
SCORES = st.sampled_from([0.4, 0.85, 1.0, 1, 0, 0.0, -0.0, float("nan"), float("inf")])


@st.composite
def ordered(draw: st.DrawFn) -> list[RawMatch]:
    """Matches sorted by type and start, as ``remove_duplicates`` gives them to ``_apart``:
    spans stepping along, now and then one overlapping the one before or empty."""
    matches = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, 40))
        length = draw(st.sampled_from([4, 4, 10, 1, 0]))
        entity = draw(st.sampled_from(TYPES))
        matches.append(RawMatch(entity, start, start + length, draw(SCORES), "R", "p"))
    return sorted(matches, key=lambda match: (match.entity_type, match.start))


def test_the_types_are_equal_and_not_the_same_object() -> None:
    assert TYPES[0] == TYPES[1] and TYPES[0] is not TYPES[1]


@settings(max_examples=1500, deadline=None)
@given(matches=ordered())
def test_apart_is_as_when_every_type_is_compared(matches: list[RawMatch]) -> None:
    assert _apart(matches) == _apart_by_comparison(matches)


@settings(max_examples=300, deadline=None)
@given(starts=st.lists(st.integers(0, 200), max_size=20, unique=True), data=st.data())
def test_apart_is_as_when_every_type_is_compared_on_spaced_matches(
    starts: list[int], data: st.DataObject
) -> None:
    """Mostly apart (the case the shortcut is for): spans of a few characters at distinct
    starts, each type written by either object."""
    matches = sorted(
        (
            RawMatch(data.draw(st.sampled_from(TYPES)), start, start + 3, 0.5, "R", "p")
            for start in starts
        ),
        key=lambda match: (match.entity_type, match.start),
    )
    assert _apart(matches) == _apart_by_comparison(matches)
