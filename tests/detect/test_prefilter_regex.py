"""The prefilter's rewritten expressions still report the end of every real match, and
windows started at the last space still hold every match of a pattern that cannot hold one."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import PatternRef, Prefilter, compile_database, pattern_width
from dlp.detect.prefilter_regex import (
    consumed_lookbehind,
    hyperscan_form,
    shortened_start,
    spaceless,
)


@pytest.mark.parametrize(
    ("regex", "rewritten"),
    [
        (r"(?<![\w.-])\d{9}", r"(?:^|[^\w.-])\d{9}"),
        (r"(?<!\w)pin", r"(?:^|\W)pin"),
        (r"(?<=[A-Za-z])\d{6}", r"(?:[A-Za-z])\d{6}"),
        (r"(?:(?<=[A-Za-z])|(?<=[A-Za-z]\.))\d{6}", r"(?:[A-Za-z]|[A-Za-z]\.)\d{6}"),
        # Left as they are: a "?" or a non-ASCII character in the lookbehind (Hyperscan reads
        # every non-ASCII character as "?"), a negated class, a lookbehind not in front.
        (r"(?<![?\w])\d{9}", r"(?<![?\w])\d{9}"),
        (r"(?<=[^a-z])\d{9}", r"(?<=[^a-z])\d{9}"),
        (r"(?<![^\n])x", r"(?<![^\n])x"),
        (r"(?<=é)\d", r"(?<=é)\d"),
        (r"\d{9}(?<![0])", r"\d{9}(?<![0])"),
        (r"(?:a|(?<=b))\d", r"(?:a|(?<=b))\d"),
    ],
)
def test_consumed_lookbehind(regex: str, rewritten: str) -> None:
    assert consumed_lookbehind(regex) == rewritten


@pytest.mark.parametrize(
    ("regex", "shortened"),
    [
        (r"(?<![\w.+@-])[\w.+-]{1,64}@[a-z]{2,9}", r"[\w.+-]@[a-z]{2,9}"),
        (r"\w{1,64}@x", r"\w@x"),
        (r"(?<!a)[]x]{3,40}y", r"[]x]{3}y"),
        (r"[a\]]{1,30}b", r"[a\]]b"),
        # Left as they are: a narrow repetition (counting it costs Hyperscan little and its
        # lookbehind keeps ends out), a lazy or possessive one, one not in front.
        (r"(?<![\w.-])\d{5,8}", r"(?<![\w.-])\d{5,8}"),
        (r"\w{1,16}x", r"\w{1,16}x"),
        (r"\w{2,40}?x", r"\w{2,40}?x"),
        (r"\w{2,40}+x", r"\w{2,40}+x"),
        (r"x\w{1,64}", r"x\w{1,64}"),
        (r"(?:\w){1,64}@", r"(?:\w){1,64}@"),
    ],
)
def test_shortened_start(regex: str, shortened: str) -> None:
    assert shortened_start(regex) == shortened


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (r"(?<![\w.-])\d{6,9}(?![\w-]|\.\d)", True),
        (r"[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z]{2,24}){1,3}", True),
        (r"\d{3} \d{2} \d{4}", False),
        (r"\d{3}[ .-]\d{4}", False),
        (r"\d{3}\s\d{4}", False),
        (r"[^x]{3}", False),
        (r"a.b", False),
        (r"(?:ab|c[\t]d)", True),
        (r"(?:ab|c\nd)", False),
        (r"\bnational[ \t\r\n]{1,3}origin\b", False),
        (r"(?<=\s)\d{4}(?=\s)", True),
    ],
)
def test_spaceless(regex: str, expected: bool) -> None:
    assert spaceless(regex, 0) is expected


ALPHABET = list("0123456789abcdXYZ-.?/@:# \n\té’")
TEXTS = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(ALPHABET), max_size=14),
        st.sampled_from(
            [
                "SSN536-22-1234",
                "ID#4685687",
                "a.b@x.org",
                "é123456789",
                "?1234567",
                "x" * 70 + "@school.k12.ca.us",
                "ana+1@@x.org",
                ".@a-b.c",
            ]
        ),
    ),
    max_size=20,
).map("".join)


def shipped_patterns(scanner) -> list[tuple[str, int]]:
    return [
        (pattern.regex, recognizer.spec.flags)
        for recognizer in scanner.pattern_recognizers
        for pattern in recognizer.spec.patterns
    ]


def reported_ends(database, text: str) -> dict[int, set[int]]:
    ends: dict[int, set[int]] = {}

    def on_match(pattern_id: int, _from: int, to: int, _flags: int, _context: object) -> None:
        ends.setdefault(pattern_id, set()).add(to)

    database.scan(text.encode("ascii", "replace"), match_event_handler=on_match)
    return ends


@pytest.fixture(scope="module")
def compiled(scanner):
    """The shipped patterns: as Python compiles them, their Hyperscan database, a prefilter."""
    patterns = shipped_patterns(scanner)
    database = compile_database(patterns, range(len(patterns)))
    prefilter = Prefilter(
        [
            (regex, flags, PatternRef(0, i, pattern_width(regex, flags)))
            for i, (regex, flags) in enumerate(patterns)
        ]
    )
    python = [re.compile(regex, flags | re.ASCII) for regex, flags in patterns]
    return python, database, prefilter


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_every_real_match_is_reported_and_windowed(compiled, text: str) -> None:
    python, database, prefilter = compiled
    ends = reported_ends(database, text)
    windows = prefilter.windows(text)
    for pattern_id, compiled in enumerate(python):
        regex = compiled.pattern
        whole = [m.span() for m in compiled.finditer(text) if m.end() > m.start()]
        # Reported at the end, or up to the form's slack later (``hyperscan_form``).
        slack = hyperscan_form(regex, compiled.flags)[1]
        reported = ends.get(pattern_id, set())
        for _, end in whole:
            assert any(end + late in reported for late in range(slack + 1)), regex
        found = [
            m.span()
            for start, stop in windows.get(pattern_id, [])
            for m in compiled.finditer(text, start, stop)
            if m.end() > m.start()
        ]
        assert found == whole, regex
