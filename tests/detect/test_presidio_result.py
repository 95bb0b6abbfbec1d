"""``to_recognizer_result`` sets a ``RecognizerResult``'s attributes without calling its
``__init__``: held to the object ``__init__`` makes (the same attributes in the same order, the
same metadata), so that a Presidio release that changes the class is noticed here."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from presidio_analyzer import RecognizerResult

from dlp.detect.matches import RawMatch
from dlp.detect.presidio_adapters import to_recognizer_result

MATCHES = st.builds(
    RawMatch,
    entity_type=st.sampled_from(["US_SSN", "PERSON", "IEP", "STUDENT_ID"]),
    start=st.integers(min_value=0, max_value=10_000),
    end=st.integers(min_value=0, max_value=10_000),
    score=st.floats(min_value=0, max_value=1),
    recognizer=st.sampled_from(["SsnRecognizer", "KeywordRecognizer", "NameListRecognizer"]),
    pattern=st.text(max_size=12),
    context_words=st.lists(st.text(max_size=8), max_size=3).map(tuple),
    subject=st.sampled_from([None, "a1b2c3"]),
    directory_opt_out=st.booleans(),
)


def _by_init(match: RawMatch, recognizer_id: str) -> RecognizerResult:
    """The result as Presidio's own constructor makes it (the form before the shortcut)."""
    return RecognizerResult(
        entity_type=match.entity_type,
        start=match.start,
        end=match.end,
        score=match.score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: match.recognizer,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer_id,
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
            "pattern_name": match.pattern,
            "context_words": match.context_words,
            "subject": match.subject,
            "directory_opt_out": match.directory_opt_out,
        },
    )


@given(match=MATCHES, recognizer_id=st.sampled_from(["", "abc123"]))
def test_the_result_is_the_one_init_makes(match: RawMatch, recognizer_id: str) -> None:
    ours, theirs = to_recognizer_result(match, recognizer_id), _by_init(match, recognizer_id)
    assert type(ours) is RecognizerResult
    assert list(vars(ours).items()) == list(vars(theirs).items())
    assert list(ours.recognition_metadata.items()) == list(theirs.recognition_metadata.items())
    assert ours == theirs
    assert ours.to_dict() == theirs.to_dict()
    assert str(ours) == str(theirs)
