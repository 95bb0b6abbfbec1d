"""``remove_duplicates``'s shortcut for matches none of which overlaps another of its type
(``dedupe._apart``, unranked ``dedupe._apart_in_place``: every one kept): ranked, the same
list in the same order as the rule's full pass; unranked, the same matches (in no particular
order), the same list once in the text's order (``Scanner.scan``'s sort); and the same results
as Presidio's; on matches mostly apart (spaced spans of a few types), with overlaps, empty
spans, zeros and scores that are not numbers mixed in."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import EntityRecognizer

from dlp.detect.dedupe import (
    _apart,
    _apart_in_place,
    _grouping,
    _keyed,
    _ranking,
    _thinned,
    remove_duplicates,
)
from dlp.detect.matches import RawMatch
from dlp.detect.presidio_adapters import to_recognizer_result

SCORES = st.sampled_from([0.4, 0.5, 0.85, 1.0, 1, 0.45, -0.5, 0.0, float("nan"), float("inf")])


@st.composite
def spaced(draw: st.DrawFn) -> list[RawMatch]:
    """Matches whose spans step along the text (apart, or touching: one's end the next's
    start), a few types each with its own spans, now and then one overlapping or empty."""
    matches = []
    for entity in draw(st.lists(st.sampled_from(["US_SSN", "PHONE_NUMBER", "IEP"]), max_size=3)):
        at = draw(st.integers(0, 5))
        for _ in range(draw(st.integers(0, 8))):
            at += draw(st.sampled_from([0, 0, 1, 3, -2]))  # (a step back: an overlap)
            length = draw(st.sampled_from([4, 4, 10, 1, 0]))
            start = max(at, 0)
            matches.append(
                RawMatch(
                    entity, start, start + length, draw(SCORES), "R", draw(st.sampled_from("ab"))
                )
            )
            at = start + length
    return draw(st.permutations(matches))


def _full(matches: list[RawMatch], ranked: bool) -> list[RawMatch]:
    """``remove_duplicates`` without the shortcut (as it was)."""
    thinned = _thinned(sorted(matches, key=_grouping), True)
    if thinned is None:
        return _keyed(matches, ranked)
    kept, zero = thinned
    if ranked or zero:
        kept.sort(key=_ranking)
    return kept


def _text_order(match: RawMatch) -> tuple[int, int, str]:
    """``Scanner.scan``'s order (``engine._text_order``)."""
    return (match.start, match.end, match.entity_type)


def _same(ours: list[RawMatch], theirs: list[RawMatch]) -> bool:
    return len(ours) == len(theirs) and all(a is b for a, b in zip(ours, theirs, strict=True))


@settings(max_examples=600, deadline=None)
@given(matches=spaced(), ranked=st.booleans())
def test_the_shortcut_keeps_what_the_full_pass_keeps(matches: list[RawMatch], ranked: bool) -> None:
    ours = remove_duplicates(matches, ranked)
    theirs = _full(matches, ranked)
    if ranked:
        assert _same(ours, theirs)  # (in its order)
    else:
        assert sorted(map(id, ours)) == sorted(map(id, theirs))
        assert _same(sorted(ours, key=_text_order), sorted(theirs, key=_text_order))


@settings(max_examples=1500, deadline=None)
@given(matches=spaced())
def test_apart_in_place_is_apart(matches: list[RawMatch]) -> None:
    """Sorted by start alone, or by type and start: the same answer."""
    by_start = sorted(matches, key=lambda match: match.start)
    by_type = sorted(matches, key=lambda match: (match.entity_type, match.start))
    assert _apart_in_place(by_start) == _apart(by_type)


@settings(max_examples=300, deadline=None)
@given(matches=spaced())
def test_the_shortcut_keeps_what_presidio_keeps(matches: list[RawMatch]) -> None:
    numbers = [m for m in matches if m.score == m.score]
    theirs = EntityRecognizer.remove_duplicates([to_recognizer_result(m, "") for m in numbers])
    ours = [to_recognizer_result(m, "") for m in remove_duplicates(numbers)]
    assert [(r.entity_type, r.start, r.end, r.score) for r in ours] == [
        (r.entity_type, r.start, r.end, r.score) for r in theirs
    ]


def test_matches_apart_are_all_kept_by_the_shortcut() -> None:
    matches = [
        RawMatch("PHONE_NUMBER", 20, 30, 0.5, "R", "a"),
        RawMatch("US_SSN", 0, 11, 0.85, "R", "a"),
        RawMatch("PHONE_NUMBER", 0, 10, 0.45, "R", "b"),
        RawMatch("US_SSN", 11, 20, 0.5, "R", "b"),  # (touching the first: not inside it)
    ]
    assert sorted(remove_duplicates(matches, ranked=False), key=_text_order) == sorted(
        matches, key=_text_order
    )
