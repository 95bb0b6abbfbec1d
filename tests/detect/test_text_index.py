"""The index's Hyperscan pass held to the Aho-Corasick automaton it replaced, and its loop over
the places both find held to the rules it applies, written one place at a time."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.matches import RawMatch
from dlp.detect.normalize import fold, normalize
from dlp.detect.text_index import (
    _CLOSERS,
    _GLUED_AFTER_WORD,
    _NAME_ONLY,
    _OPENERS,
    KEYWORD_RECOGNIZER,
    ContextIndex,
    Term,
    TextIndexer,
    _glued_start,
    in_address,
    skeleton,
)

TERMS = [
    Term("SPECIAL_EDUCATION", "iep", 1.0),
    Term("SPECIAL_EDUCATION", "section 504", 1.0),
    Term("SPECIAL_EDUCATION", "504 plan", 0.8),
    Term("DISCIPLINE", "out of school suspension", 1.0),
    Term("HEALTH", "asthma", 1.0),
    Term("HEALTH", "type 1 diabetes", 1.0),
    Term("GRADES", "report card", 0.6),
    Term("LANGUAGE", "学生", 1.0),  # a key outside ASCII: such texts go through the automaton
]
PHRASES = ["ssn", "social security", "student id", "id", "sid", "dob", "students", "office"]
GIVEN = ["Ana", "Daniel", "Li", "Zoë", "Iep"]
PIECES = [
    *(t.text for t in TERMS),
    *PHRASES,
    *GIVEN,
    "Section",
    "504",
    "SocialSecurityNumber",
    "ssn536",
    "Plan",
    "IEP.",
    "iep.office@x.org",
    "http://a.b/iep",
    "/home/a/iep",
    "sides",
    "é",
    "ü",
    "\u212a",
    "WWW.Iep.org",
    "Office@School.Org",
    "\x00",
    "i\x07ep",  # a term a control character splits: folded, it is one word
    "\u200b",
    # Beside a place: what the quick set lookups leave to the whole test.
    "students/parents",
    "(office)",
    "office.",
    "office,x",
    "\u2028",  # a line separator: white space outside ASCII
    "\xa0",
    "AnaSSN536",
    "DOB 01",
    # A label glued after a word ("AnaRuizSSN: 536"): after a lower-case letter or not.
    "RuizSSN: 536",
    "ruizSSN 5",
    "\u24d0SSN 5",  # a circled letter: lower case, yet no letter to the skeleton
    "StudentID 7",
    "4471902SSN",
    "Ana:",
    "[Daniel]",
    "Li?",
    "ana",
]
SEPARATORS = [" ", "  ", "   ", "    ", "     ", "\n", "\r\n", "\n> ", ", ", "-", ".", "(", ")", ""]
TEXTS = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), max_size=24).map(
    lambda parts: "".join(piece + separator for piece, separator in parts)
)


def _both(terms: list[Term]) -> tuple[TextIndexer, TextIndexer]:
    return (
        TextIndexer(terms, PHRASES, GIVEN, hyperscan_after=0),
        TextIndexer(terms, PHRASES, GIVEN, hyperscan_after=None),
    )


FAST_ASCII, REFERENCE_ASCII = _both(TERMS[:-1])
FAST_MIXED, REFERENCE_MIXED = _both(TERMS)


def _same_index(fast: TextIndexer, reference: TextIndexer, text: str, folded: bool) -> None:
    ascii_bytes = text.encode("ascii") if text.isascii() else None
    matches, context = fast.index(text, folded, ascii_bytes)
    expected_matches, expected = reference.index(text, folded)
    assert matches == expected_matches
    _same_context(context, expected)


def _same_context(context: ContextIndex, expected: ContextIndex) -> None:
    assert (context.starts, context.ends, context.phrases, context.given_names) == (
        expected.starts,
        expected.ends,
        expected.phrases,
        expected.given_names,
    )


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, upper=st.booleans())
def test_hyperscan_pass_finds_what_the_automaton_finds(text: str, upper: bool) -> None:
    text = text.upper() if upper else text
    for fast, reference in ((FAST_ASCII, REFERENCE_ASCII), (FAST_MIXED, REFERENCE_MIXED)):
        _same_index(fast, reference, text, folded=False)
        # As the scanner passes it: folded, with its bytes when it is ASCII.
        _same_index(fast, reference, fold(text).text, folded=True)


def test_the_database_is_compiled_in_a_thread_after_enough_text() -> None:
    text = "Ana Lee's IEP and SSN536221234; section\n504 plan. " * 4
    terms = [*TERMS[:-1], Term("HEALTH", "a term of this test alone", 1.0)]
    indexer = TextIndexer(terms, PHRASES, GIVEN, hyperscan_after=len(text) * 2)
    first = indexer.index(text)
    assert not indexer.reads_with_hyperscan  # half of what it waits for
    second = indexer.index(text)
    deadline = time.monotonic() + 60
    while not indexer.reads_with_hyperscan and time.monotonic() < deadline:
        time.sleep(0.01)
    assert indexer.reads_with_hyperscan
    third = indexer.index(text)
    assert (
        [m.start for m in first[0]] == [m.start for m in second[0]] == [m.start for m in third[0]]
    )
    assert first[1].starts == third[1].starts and first[1].given_names == third[1].given_names
    assert [m.entity_type for m in third[0]] == ["SPECIAL_EDUCATION"] * 12


def test_known_places() -> None:
    text = "Ana Lee's IEP and SSN536221234; section\n504 plan at iep.office@x.org. 学生 Zoë"
    matches, context = FAST_MIXED.index(text)
    assert [(m.entity_type, text[m.start : m.end]) for m in matches] == [
        ("SPECIAL_EDUCATION", "IEP"),
        ("SPECIAL_EDUCATION", "section\n504"),
        ("SPECIAL_EDUCATION", "504 plan"),
        ("LANGUAGE", "学生"),
    ]
    assert [text[a:b] for a, b in context.given_names] == ["Ana", "IEP", "Zoë"]
    assert [FAST_MIXED.phrases[p] for p in context.phrases] == ["ssn"]


def _reference(indexer: TextIndexer, text: str) -> tuple[list[RawMatch], ContextIndex]:
    """What ``index`` finds, by its rules applied to each place the automaton reports in
    turn, with ``in_address``'s whole test at every place (the loop as it was before its
    quick tests)."""
    normalized = normalize(text)
    lowered = normalized.text
    matches: list[RawMatch] = []
    context = ContextIndex()
    for last, key in indexer.automaton().iter(f" {skeleton(lowered)} "):
        length, kind, phrases, terms, _ = indexer._values[key]
        end = last - 1
        found_at = end - length
        start = normalized.to_original(found_at)
        if kind == _NAME_ONLY and not text[start].isupper():
            continue
        before = lowered[found_at - 1] if found_at else " "
        after = lowered[end] if end < len(lowered) else " "
        if after in ".," and end + 1 < len(lowered):
            after = lowered[end + 1]
        if not (
            (before.isspace() or before in _OPENERS) and (after.isspace() or after in _CLOSERS)
        ):
            if kind < 0 and not _glued_start(text, start, kind == _GLUED_AFTER_WORD):
                continue
            if in_address(lowered, found_at, end):
                continue
            if kind < 0 and start and text[start - 1].isdigit():
                start -= 1
        original_end = normalized.to_original_end(end)
        for phrase in phrases:
            context.starts.append(start)
            context.ends.append(original_end)
            context.phrases.append(phrase)
        for category, score, term_text in terms:
            matches.append(
                RawMatch(category, start, original_end, score, KEYWORD_RECOGNIZER, term_text)
            )
        if kind > 0:
            context.given_names.append((start, original_end))
    rows = sorted(
        zip(context.starts, context.ends, context.phrases, strict=True), key=lambda row: row[0]
    )
    context.starts = [row[0] for row in rows]
    context.ends = [row[1] for row in rows]
    context.phrases = [row[2] for row in rows]
    return matches, context


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, upper=st.booleans())
def test_the_index_applies_its_rules_place_by_place(text: str, upper: bool) -> None:
    text = text.upper() if upper else text
    for fast, reference in ((FAST_ASCII, REFERENCE_ASCII), (FAST_MIXED, REFERENCE_MIXED)):
        ascii_bytes = text.encode("ascii") if text.isascii() else None
        matches, context = fast.index(text, ascii_bytes=ascii_bytes)
        expected_matches, expected = _reference(reference, text)
        assert matches == expected_matches
        _same_context(context, expected)


def test_the_reference_sees_every_kind_of_place() -> None:
    text = "Ana's IEP: see students/parents, (office) 4471902SSN536 AnaSSN536 ana Li? DOB 01"
    matches, context = _reference(REFERENCE_ASCII, text)
    assert [text[m.start : m.end] for m in matches] == ["IEP"]
    assert [text[a:b] for a, b in context.given_names] == ["Ana", "IEP", "Li"]
    assert [
        (REFERENCE_ASCII.phrases[p], text[a:b])
        for a, b, p in zip(context.starts, context.ends, context.phrases, strict=True)
    ] == [
        ("students", "students"),
        ("office", "office"),
        ("ssn", "2SSN"),
        ("ssn", "SSN"),
        ("dob", "DOB"),
    ]


def test_the_automaton_is_built_only_when_a_text_needs_it() -> None:
    # With the Hyperscan database (compiled now, as when the cache holds it), ASCII keys read
    # every text with it, even one outside ASCII: no automaton is built.
    indexer = TextIndexer(TERMS[:-1], PHRASES, GIVEN, hyperscan_after=0)
    assert indexer.reads_with_hyperscan
    indexer.index("Ana Lee's IEP")
    indexer.index("Zoë's IEP and SSN536221234")
    assert indexer._automaton is None
    # A key outside ASCII ("学生") is found in such a text only by the automaton.
    mixed = TextIndexer(TERMS, PHRASES, GIVEN, hyperscan_after=0)
    matches, _ = mixed.index("学生 IEP")
    assert mixed._automaton is not None
    assert [m.entity_type for m in matches] == ["LANGUAGE", "SPECIAL_EDUCATION"]
