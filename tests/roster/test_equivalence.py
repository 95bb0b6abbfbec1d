"""The matcher's fast paths against their references, on texts full of roster people.

`find` fingerprints texts with a compiled kernel, or without numba short texts in plain Python
and longer ones in numpy; all three must give the same matches (spans, people, scores, DOB
confirmation) however the people are written. The ID check caches its answer per value and
skips most misses with a bitmap: it must answer as a matcher that has seen nothing yet.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.roster.fingerprint import FingerprintKeys, run_hashes, sequence_hashes
from dlp.roster.matcher import RosterMatcher
from dlp.roster.people import Person, Role
from dlp.roster.secret import RosterKeys
from dlp.roster.store import RosterStore
from dlp.roster.tables import RosterTables, split_mac

from .conftest import PEOPLE, SECRET

ROLES = (None, Role.STUDENT, Role.STAFF, Role.GUARDIAN)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _name_forms(person: Person) -> list[str]:
    name = person.name
    firsts = [name.first] + ([name.preferred_first] if name.preferred_first else [])
    initial = f" {name.middle[0]}." if name.middle else ""
    forms = []
    for first in firsts:
        forms += [
            f"{first} {name.last}",
            f"{name.last}, {first}",
            f"{first}{initial} {name.last}",
            f"{name.last}, {first}{initial}",
            f"{first} {name.middle} {name.last}",
        ]
    return forms


def _dates(born: date | None) -> list[str]:
    if born is None:
        return ["DOB 01/01/2000"]
    return [
        f"DOB {born:%m/%d/%Y}",
        f"born {born:%Y-%m-%d}",
        f"born {born:%B} {born.day}, {born.year}",
        f"{born.day} {born:%b} {born.year}",
        f"DOB {born.month}/{born.day + 1 if born.day < 28 else 1}/{born.year}",  # a near miss
    ]


def _ids(person: Person) -> list[str]:
    values = [person.local_id, person.local_id.lower(), "-".join(person.local_id)]
    if person.state_id:
        values += [person.state_id, person.state_id.replace("-", " ")]
    return values


# How a person is written: a case, and marks kept, decomposed or dropped.
_CASES = [str, str.upper, str.lower, str.title]
_MARKS = [
    lambda text: text,
    lambda text: unicodedata.normalize("NFD", text),
    _strip_marks,
]


@st.composite
def mention(draw: st.DrawFn) -> str:
    person = draw(st.sampled_from(PEOPLE))
    kind = draw(st.sampled_from(["name", "name", "id", "name+dob", "dob+name", "name+id"]))
    name = draw(st.sampled_from(_name_forms(person)))
    name = draw(st.sampled_from(_MARKS))(draw(st.sampled_from(_CASES))(name))
    if kind == "name":
        return name
    if kind == "id":
        return draw(st.sampled_from(_ids(person)))
    born = draw(st.sampled_from(_dates(person.birth_date)))
    if kind == "name+dob":
        return f"{name}, {born}"
    if kind == "dob+name":
        return f"{born} - {name}"
    return f"{name} ({draw(st.sampled_from(_ids(person)))})"


words = st.sampled_from(["the", "report", "for", "and", "Woods", "Lisa", "S.", "grade 9", "ID"])
noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
separators = st.sampled_from([" ", ", ", "\n", " - ", "; ", ". ", "\u2019", "  "])
texts = st.lists(st.one_of(mention(), mention(), words, noise), min_size=1, max_size=16).flatmap(
    lambda parts: separators.map(lambda separator: separator.join(parts))
)


@pytest.fixture(scope="module")
def in_python(small_store: RosterStore) -> RosterMatcher:
    return RosterMatcher(
        small_store.load(), RosterKeys(SECRET), short_text_chars=1 << 30, compiled=False
    )


@pytest.fixture(scope="module")
def with_numpy(small_store: RosterStore) -> RosterMatcher:
    return RosterMatcher(small_store.load(), RosterKeys(SECRET), short_text_chars=0, compiled=False)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_numpy_and_compiled_paths_equal_python_path_on_roster_mentions(
    in_python: RosterMatcher, with_numpy: RosterMatcher, compiled: RosterMatcher, text: str
) -> None:
    expected = in_python.find(text)
    assert with_numpy.find(text) == expected
    assert compiled.find(text) == expected


def test_the_generated_mentions_are_found(
    in_python: RosterMatcher, with_numpy: RosterMatcher, compiled: RosterMatcher
) -> None:
    # The property above would pass on two matchers that find nothing: make sure they find.
    for person in PEOPLE:
        for form in _name_forms(person):
            for case in _CASES:
                for marks in _MARKS:
                    text = f"Re: {marks(case(form))} today"
                    found = with_numpy.find(text)
                    assert found == in_python.find(text)
                    assert compiled.find(text) == found
                    assert any(m.kind == "name" for m in found), text
    for matcher in (with_numpy, compiled):
        confirmed = matcher.find("Lisa S. Woods, DOB 09/13/2008")
        assert [m.confirmed_by_dob for m in confirmed] == [True]


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.sampled_from([v for p in PEOPLE for v in _ids(p)]),
            st.sampled_from(["S1009", "1001", "E 2001", "e2001", "TX000123456", "Lisa Woods"]),
            st.text(alphabet="SETXs0123456789- ", max_size=14),
        ),
        max_size=8,
    )
)
def test_cached_id_check_answers_as_a_fresh_matcher(
    small_store: RosterStore, values: list[str]
) -> None:
    tables, keys = small_store.load(), RosterKeys(SECRET)
    reused = RosterMatcher(tables, keys)
    expected = {
        (value, role): RosterMatcher(tables, keys).is_roster_id(value, role)
        for value in values
        for role in ROLES
    }
    for _ in range(2):  # the second pass is answered from the cache
        for value in values:
            for role in ROLES:
                assert reused.is_roster_id(value, role) == expected[value, role]


def _lookup_without_bitmap(tables: RosterTables, mac: bytes) -> int:
    key, check = split_mac(mac)
    slot = int(tables.form_key.searchsorted(np.uint64(key)))
    while slot < len(tables.form_key) and int(tables.form_key[slot]) == key:
        if int(tables.form_check[slot]) == check:
            return slot
        slot += 1
    return -1


def test_key_bitmap_changes_no_lookup(small_store: RosterStore) -> None:
    tables = small_store.load()
    matcher = RosterMatcher(tables, RosterKeys(SECRET))
    stored = [
        key.to_bytes(8, "big") + check.to_bytes(8, "big")
        for key, check in zip(tables.form_key.tolist(), tables.form_check.tolist(), strict=True)
    ]
    mac = RosterKeys(SECRET).macer("form")
    others = [mac(f"not on the roster {n}".encode()) for n in range(2000)]
    others += [m[:8] + bytes(8) for m in stored]  # a stored key with the wrong check
    for value in stored + others:
        assert matcher._lookup(value) == _lookup_without_bitmap(tables, value)
    assert all(matcher._lookup(value) >= 0 for value in stored)


@settings(max_examples=100, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40),
    longest=st.integers(1, 8),
)
def test_run_hashes_are_sequence_hashes(hashes: list[int], longest: int) -> None:
    keys = FingerprintKeys.derive(RosterKeys(SECRET))
    values = np.array(hashes, dtype=np.uint64)
    table = run_hashes(values, longest, keys)
    assert table.shape == (len(values), longest)
    for length in range(1, longest + 1):
        for row in range(len(values) - length + 1):
            window = values[row : row + length].reshape(1, length)
            assert table[row, length - 1] == sequence_hashes(window, keys)[0]
