"""``ContextRule.scorer``'s shortcuts read the characters around a match: the one left of it
(past one space) settles whether it can be alone or a table's cell, a phrase one character
before it crosses a boundary only when that character and the match's first are line breaks,
and a space between a word and the match holds no negative word's end. Held here to the
general path on spans of any characters (a match may start with a line break or a stop), not
only the numbers ``test_match_fast`` scores."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from .test_match_fast import PIECES, RULES, contexts, old_score

SPAN_PIECES = [*PIECES, "\n", "\n\n", ".", ". ", "!", "?\n", "A", "x", "4481902"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(SPAN_PIECES), min_size=1, max_size=12).map("".join),
    st.lists(st.tuples(st.integers(0, 200), st.integers(1, 12)), min_size=1, max_size=6),
    st.integers(0, 60),
    st.sampled_from(["", "Student SSN", "room"]),
    st.sampled_from([0.05, 0.5, 1.0]),
)
@example("SSN\n\n4481902", [(4, 9), (5, 7)], 0, "", 0.5)
@example("SSN 4481902", [(4, 7)], 0, "", 0.5)
@example("ssn.\nA4481902", [(4, 4), (5, 3)], 0, "", 0.5)
def test_any_span_scores_as_before(
    text: str, spans: list[tuple[int, int]], cut: int, extra: str, base: float
) -> None:
    for context in contexts(text, cut, extra):
        for rule in RULES:
            for at, width in spans:
                start = at % len(text)
                end = min(start + width, len(text))
                assert rule.score(context, start, end, base) == old_score(
                    rule, context, start, end, base
                ), (text, start, end)
