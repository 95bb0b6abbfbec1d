"""The scanner's own duplicate rule keeps exactly what Presidio's keeps, in the same order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.dedupe import remove_duplicates
from dlp.detect.matches import RawMatch
from dlp.detect.presidio_adapters import to_recognizer_result

MATCHES = st.builds(
    lambda entity, start, length, score, pattern: RawMatch(
        entity, start, start + length, score, "R", pattern
    ),
    st.sampled_from(["US_SSN", "PERSON", "IEP", "PHONE_NUMBER"]),
    st.integers(0, 30),
    st.integers(0, 12),
    st.sampled_from([0.0, 0.05, 0.3, 0.4, 0.5, 0.85, 1.0]),
    st.sampled_from(["a", "b", "c"]),
)


def as_tuples(results: list[RecognizerResult]) -> list[tuple[object, ...]]:
    return [
        (r.entity_type, r.start, r.end, r.score, r.recognition_metadata["pattern_name"])
        for r in results
    ]


@settings(max_examples=500, deadline=None)
@given(matches=st.lists(MATCHES, max_size=25))
def test_same_as_presidio(matches: list[RawMatch]) -> None:
    theirs = EntityRecognizer.remove_duplicates([to_recognizer_result(m, "") for m in matches])
    ours = [to_recognizer_result(m, "") for m in remove_duplicates(matches)]
    assert as_tuples(ours) == as_tuples(theirs)


def test_a_contained_match_of_the_same_type_and_no_higher_score_goes() -> None:
    outer = RawMatch("US_SSN", 0, 11, 0.85, "R", "dashed")
    inner = RawMatch("US_SSN", 4, 11, 0.5, "R", "glued")
    other = RawMatch("PHONE_NUMBER", 4, 11, 0.5, "R", "digits")
    assert remove_duplicates([inner, other, outer]) == [outer, other]


UNRANKED = st.builds(
    lambda entity, start, length, score, pattern: RawMatch(
        entity, start, start + length, score, "R", pattern
    ),
    st.sampled_from(["US_SSN", "PERSON"]),
    st.integers(0, 8),
    st.integers(0, 4),
    st.sampled_from([0.0, -0.0, 0.3, 0.5, 1, 1.0, float("nan"), float("inf")]),
    st.sampled_from(["a", "b"]),
)


def by_place(match: RawMatch) -> tuple[int, int, str]:
    return (match.start, match.end, match.entity_type)


@settings(max_examples=500, deadline=None)
@given(matches=st.lists(UNRANKED, max_size=20))
def test_unranked_then_put_in_place_is_ranked_then_put_in_place(matches: list[RawMatch]) -> None:
    """What ``Scanner.scan`` does with them: the same list, match for match, with scores
    equal in value but not in type, zeros and scores that are not numbers among them."""
    ranked = sorted(remove_duplicates(matches), key=by_place)
    unranked = sorted(remove_duplicates(matches, ranked=False), key=by_place)
    assert len(unranked) == len(ranked)
    assert all(ours is theirs for ours, theirs in zip(unranked, ranked, strict=True))
