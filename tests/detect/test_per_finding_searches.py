"""The per-match work made quicker for a text dense with findings gives what it gave:

- ``find_in_windows`` reads each window by searches from each match's end, not ``finditer``
  (held here to ``finditer`` over every window, with patterns that can match an empty string,
  which no shipped pattern does, and windows that overlap);
- ``remove_duplicates`` finds equal matches by the stable sort, not a keyed pass, when every
  score is a number (held to the keyed way, ``_keyed``, on any scores);
- ``email_domain_is_valid`` answers a domain once.
"""

from __future__ import annotations

import re
from operator import attrgetter

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect import rules
from dlp.detect.context import context_of
from dlp.detect.dedupe import _keyed, remove_duplicates
from dlp.detect.matches import RawMatch
from dlp.detect.pattern_recognizer import DataPatternRecognizer
from dlp.detect.public_suffix import has_public_suffix
from dlp.detect.specs import EntitySpec, PatternSpec
from dlp.detect.text_index import TextIndexer
from dlp.model import Category

# The order Scanner.scan puts a segment's matches in.
_TEXT_ORDER = attrgetter("start", "end", "entity_type")

# Patterns that match empty strings, next to characters, at window edges and between digits.
REGEXES = [r"\d*", r"(?:\d{3})?", r"x?", r"\b", r"(?<=\d)|\d{2}", r"\d{2,}", r"a|\d*?"]


def _recognizer(regex: str) -> DataPatternRecognizer:
    spec = EntitySpec(
        entity_type="X",
        category=Category.IDENTIFIER,
        recognizer="XRecognizer",
        patterns=(PatternSpec("p", regex, 0.5),),
        context_words=(),
        negative_words=(),
        context_indexed=True,
        context_before=10,
        context_after=10,
        flags=0,
        mask="last4",
        validate=None,
        invalidate=None,
        source="test",
    )
    return DataPatternRecognizer(spec)


RECOGNIZERS = [_recognizer(regex) for regex in REGEXES]
INDEXER = TextIndexer((), ())


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="12a x\n", max_size=30),
    st.lists(st.tuples(st.integers(0, 32), st.integers(0, 32)), max_size=4),
    st.integers(0, len(REGEXES) - 1),
)
def test_window_searches_are_finditer(text: str, spans: list[tuple[int, int]], which: int) -> None:
    recognizer = RECOGNIZERS[which]
    context = context_of(INDEXER, text)
    windows = [(low, low + width) for low, width in spans]
    expected = [
        (match.start(), match.end())
        for low, high in windows
        for match in re.compile(REGEXES[which], re.ASCII).finditer(text, low, high)
        if match.start() != match.end()
    ]
    found = recognizer.find_in_windows(text, 0, windows, context)
    assert [(match.start, match.end) for match in found] == expected


MATCHES = st.builds(
    lambda entity, start, length, score, pattern: RawMatch(
        entity, start, start + length, score, "R", pattern
    ),
    st.sampled_from(["US_SSN", "PERSON"]),
    st.integers(0, 30),
    st.integers(0, 10),
    st.sampled_from([0.0, -0.0, 0, 0.4, 0.5, 0.5, 1.0, 1, True, float("nan")]),
    st.sampled_from(["a", "b"]),
)


@settings(max_examples=800, deadline=None)
@given(st.lists(MATCHES, max_size=30), st.booleans())
def test_duplicates_by_the_sort_are_the_keyed_ones(matches: list[RawMatch], ranked: bool) -> None:
    # Unranked: the same matches in no particular order, compared in the text's order.
    put = (lambda found: found) if ranked else (lambda found: sorted(found, key=_TEXT_ORDER))
    ours, keyed = put(remove_duplicates(matches, ranked)), put(_keyed(matches, ranked))
    assert len(ours) == len(keyed)
    assert all(a is b for a, b in zip(ours, keyed, strict=True))
    # (from a generator too)
    assert put(remove_duplicates(iter(matches), ranked)) == ours


def test_email_domain_answered_once_as_the_suffix_list_answers() -> None:
    for address in ("a@school.k12.ca.us", "b@example.invalidtld", "c@gmail.com", "d@x.ck", "e@"):
        domain = address.rsplit("@", 1)[-1]
        assert rules.email_domain_is_valid(address) == has_public_suffix(domain)
        assert rules.email_domain_is_valid(address) == has_public_suffix(domain)  # (known)
