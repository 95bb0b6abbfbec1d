"""``dlp.detect.overlaps.remove_duplicates`` keeps exactly what Presidio's
``EntityRecognizer.remove_duplicates`` keeps, in the same order, with the same metadata."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from presidio_analyzer import EntityRecognizer

from dlp.detect.matches import RawMatch
from dlp.detect.overlaps import remove_duplicates
from dlp.detect.presidio_adapters import to_recognizer_result

MATCHES = st.builds(
    RawMatch,
    entity_type=st.sampled_from(["US_SSN", "PHONE_NUMBER", "GRADES"]),
    start=st.integers(0, 12),
    end=st.integers(0, 8),
    score=st.sampled_from([0.0, 0.1, 0.4, 0.4, 0.85, 1.0]),
    recognizer=st.sampled_from(["A", "B"]),
    pattern=st.sampled_from(["p", "q"]),
    context_words=st.sampled_from([(), ("ssn",)]),
).map(lambda m: RawMatch(m.entity_type, m.start, m.start + m.end, *_rest(m)))


def _rest(m: RawMatch) -> tuple[float, str, str, tuple[str, ...]]:
    return m.score, m.recognizer, m.pattern, m.context_words


def _described(result: object) -> tuple[object, ...]:
    metadata = result.recognition_metadata  # type: ignore[attr-defined]
    return (
        result.entity_type,  # type: ignore[attr-defined]
        result.start,  # type: ignore[attr-defined]
        result.end,  # type: ignore[attr-defined]
        result.score,  # type: ignore[attr-defined]
        metadata["recognizer_name"],
        metadata["pattern_name"],
        metadata["context_words"],
    )


@given(st.lists(MATCHES, max_size=25))
def test_same_results_as_presidio_in_the_same_order(matches: list[RawMatch]) -> None:
    expected = EntityRecognizer.remove_duplicates([to_recognizer_result(m, "") for m in matches])
    got = [to_recognizer_result(m, "") for m in remove_duplicates(matches)]
    assert list(map(_described, got)) == list(map(_described, expected))


def test_the_first_of_equal_results_stays() -> None:
    first = RawMatch("US_SSN", 0, 11, 0.85, "A", "dashes")
    second = RawMatch("US_SSN", 0, 11, 0.85, "B", "plain")
    assert remove_duplicates([first, second]) == [first]
    assert remove_duplicates([second, first]) == [second]
