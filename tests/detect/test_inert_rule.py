"""A rule with no words, negative words or column headers is given a scorer that returns the
score as it stands (``ContextRule.scorer``): the general path gives the same everywhere, in
prose, alone between blank lines and in a pasted table's cells."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import ContextRule, _unchanged

from .test_match_fast import NUMBERS, PIECES, contexts, old_score

INERT = [ContextRule((), 30, 30), ContextRule((), 60, 10, indexed=False)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=14),
    st.integers(0, 60),
    st.sampled_from(["", "Student SSN", "room"]),
    st.sampled_from([0.05, 0.5, 1.0]),
    st.sampled_from([0.0, 0.4]),
)
def test_an_inert_rule_scores_as_the_general_path(
    pieces: list[str], cut: int, extra: str, base: float, floor: float
) -> None:
    text = "".join(pieces)
    for context in contexts(text, cut, extra):
        for rule in INERT:
            assert rule.scorer(context) is _unchanged
            for found in NUMBERS.finditer(text):
                start, end = found.span()
                expected = old_score(rule, context, start, end, base)
                assert expected == (base, ())
                assert rule.scorer(context)(start, end, base, floor) == expected


def test_a_rule_with_any_words_is_not_inert() -> None:
    assert not ContextRule(("ssn",), 30, 30)._inert
    assert not ContextRule((), 30, 30, ("order",))._inert
    assert not ContextRule((), 30, 30, columns=("id",), columns_with=("name",))._inert
