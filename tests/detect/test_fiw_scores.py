"""``find_in_windows``'s inline evaluation, with its floor and its late ``invalidate`` rule,
held to every ``finditer`` match of every window evaluated in full (``_evaluate``) for
patterns that can match an empty string, scores of 0 and under the floor, and rules that
raise, drop or leave a match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import context_of
from dlp.detect.matches import RawMatch
from dlp.detect.pattern_recognizer import DataPatternRecognizer
from dlp.detect.specs import EntitySpec, PatternSpec
from dlp.detect.text_index import TextIndexer
from dlp.model import Category

REGEXES = [r"\d*", r"\d{2,}", r"(?<=\d)|\d{2}", r"a|\d*?", r"x?\d+"]
HERE = "tests.detect.test_fiw_scores"


def odd_is_certain(value: str) -> bool | None:
    """A ``validate`` rule: an odd count of digits is this entity, an even one is not, none
    says nothing."""
    count = sum(char.isdigit() for char in value)
    return None if count == 0 else count % 2 == 1


def has_seven(value: str) -> bool:
    """An ``invalidate`` rule: a value with a 7 is impossible."""
    return "7" in value


def _recognizer(
    regex: str, score: float, validate: str | None, invalidate: str | None
) -> DataPatternRecognizer:
    return DataPatternRecognizer(
        EntitySpec(
            entity_type="X",
            category=Category.IDENTIFIER,
            recognizer="XRecognizer",
            patterns=(PatternSpec("p", regex, score),),
            context_words=("id",),
            negative_words=("room",),
            context_indexed=True,
            context_before=10,
            context_after=10,
            flags=0,
            mask="last4",
            validate=validate,
            invalidate=invalidate,
            source="test",
        )
    )


INDEXER = TextIndexer((), ("id",))


def evaluated(
    recognizer: DataPatternRecognizer,
    text: str,
    windows: list[tuple[int, int]],
    floor: float,
) -> list[RawMatch]:
    context = context_of(INDEXER, text)
    found = []
    for low, high in windows:
        for match in recognizer.compiled[0].finditer(text, low, high):
            result = recognizer._evaluate(text, match, 0, context)
            if result is not None and result.score >= floor:
                found.append(result)
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="127a x\nid room", max_size=30),
    st.lists(st.tuples(st.integers(0, 32), st.integers(0, 32)), max_size=4),
    st.sampled_from(REGEXES),
    st.sampled_from([0.0, 0.05, 0.5]),
    st.sampled_from([None, f"{HERE}:odd_is_certain"]),
    st.sampled_from([None, f"{HERE}:has_seven"]),
    st.sampled_from([0.0, 0.1, 0.4]),
)
def test_find_in_windows_as_every_match_evaluated(
    text: str,
    spans: list[tuple[int, int]],
    regex: str,
    score: float,
    validate: str | None,
    invalidate: str | None,
    floor: float,
) -> None:
    recognizer = _recognizer(regex, score, validate, invalidate)
    windows = [(low, low + width) for low, width in spans]
    context = context_of(INDEXER, text)
    assert recognizer.find_in_windows(text, 0, windows, context, floor) == evaluated(
        recognizer, text, windows, floor
    )
