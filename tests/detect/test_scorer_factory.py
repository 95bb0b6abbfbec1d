"""A rule reads what its scorers need of it once per indexer (``ContextRule._scorer_factory``)
and its scorers of every text share that: a scorer made after those of other texts, and of
another indexer, scores as one of a rule asked for the first time."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlp.detect.context import ContextRule, TextContext, context_of
from dlp.detect.text_index import TextIndexer

from .test_match_fast import INDEXER, NUMBERS, PIECES, RULES, contexts

# Another indexer, with other phrases (so other phrase ids) for the same words.
OTHER = TextIndexer((), ("room", "lot", "phone", "ssn", "student id"))


def fresh(rule: ContextRule) -> ContextRule:
    """The same rule, never asked before."""
    return ContextRule(
        rule.words,
        rule.before,
        rule.after,
        rule.negative,
        rule.indexed,
        rule.columns,
        rule.columns_with,
    )


def scores(rule: ContextRule, context: TextContext, base: float) -> list[object]:
    score = rule.scorer(context)
    return [score(*found.span(), base, 0.0) for found in NUMBERS.finditer(context.text)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(PIECES), max_size=10),
            st.integers(0, 60),
            st.sampled_from(["", "Student SSN", "room"]),
        ),
        min_size=2,
        max_size=4,
    ),
    st.sampled_from([0.05, 0.5, 1.0]),
)
# A value alone in its text takes the segment context's words, which the next text lacks.
@example([(["4481902"], 0, "Student SSN"), (["4481902"], 0, "")], 0.5)
def test_a_scorer_after_others_scores_as_a_first_one(
    texts: list[tuple[list[str], int, str]], base: float
) -> None:
    for rule in RULES:
        for pieces, cut, extra in texts:
            text = "".join(pieces)
            other = scores(rule, context_of(OTHER, text, extra), base)
            assert other == scores(fresh(rule), context_of(OTHER, text, extra), base)
            for context in contexts(text, cut, extra):
                assert context.indexer is INDEXER
                expected = scores(fresh(rule), context, base)
                # (a context keeps its scorers: a new one, as the scanner makes per text)
                again = TextContext(*(getattr(context, name) for name in FIELDS))
                assert scores(rule, again, base) == expected


FIELDS = (
    "indexer",
    "index",
    "extra",
    "cell_starts",
    "cell_extras",
    "text",
    "extra_text",
    "cell_headers",
    "header_rows",
)
