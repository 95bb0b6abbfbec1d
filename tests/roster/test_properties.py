from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.roster.matcher import RosterMatcher
from dlp.roster.secret import RosterKeys
from dlp.roster.store import RosterStore
from dlp.roster.text import normalize_token

from .conftest import PEOPLE, SECRET

NAMES = [f"{p.name.first} {p.name.last}" for p in PEOPLE]
NAMES += [f"{p.name.last}, {p.name.first}" for p in PEOPLE]
# Filler that never continues a name: words and characters around it are cut off by a separator.
filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)


@settings(max_examples=200, deadline=None)
@given(before=filler, name=st.sampled_from(NAMES), after=filler, upper=st.booleans())
def test_planted_name_found_at_its_span(
    matcher: RosterMatcher, before: str, name: str, after: str, upper: bool
) -> None:
    planted = name.upper() if upper else name
    text = f"{before} {planted}\n{after}"
    start = len(before) + 1
    end = start + len(planted)
    found = matcher.find(text)
    assert any(m.start == start and m.end == end for m in found) or any(
        m.start <= start and m.end >= end for m in found
    ), (start, end, [(m.start, m.end) for m in found])
    for match in found:
        assert normalize_token(text[match.start]) and normalize_token(text[match.end - 1])


@settings(max_examples=200, deadline=None)
@given(text=filler)
def test_offsets_always_inside_text(matcher: RosterMatcher, text: str) -> None:
    for match in matcher.find(text):
        assert 0 <= match.start < match.end <= len(text)


PIECES = [
    *NAMES,
    "S1001",
    "s-1001",
    "TX 000123456",
    "950-943-8054",
    "madelyn.woods@example.org",
    "54 Rocky Clarendon Ave.",
    "Ju\u0308rgen Strauß",
    "GARCÍA-LÓPEZ, MARÍA JOSÉ",
    "Lisa S. Woods, DOB 09/13/2008",
    "John Smith 5/6/2012",
]
pieces = st.lists(st.one_of(st.sampled_from(PIECES), filler.map(lambda t: t[:40])), max_size=12)


@pytest.fixture(scope="module")
def in_python(small_store: RosterStore) -> RosterMatcher:
    return RosterMatcher(
        small_store.load(), RosterKeys(SECRET), short_text_chars=1 << 30, compiled=False
    )


@pytest.fixture(scope="module")
def with_numpy(small_store: RosterStore) -> RosterMatcher:
    return RosterMatcher(small_store.load(), RosterKeys(SECRET), short_text_chars=0, compiled=False)


@settings(max_examples=300, deadline=None)
@given(parts=pieces, separator=st.sampled_from([" ", ", ", "\n", " - ", "", "..."]))
def test_python_numpy_and_compiled_paths_agree(
    in_python: RosterMatcher,
    with_numpy: RosterMatcher,
    compiled: RosterMatcher,
    parts: list[str],
    separator: str,
) -> None:
    text = separator.join(parts)
    expected = in_python.find(text)
    assert with_numpy.find(text) == expected
    assert compiled.find(text) == expected
