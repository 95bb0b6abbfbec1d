"""The prefilter's rewritten expressions still report the end of every real match, and
windows started at the last space still hold every match of a pattern that cannot hold one."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import PatternRef, Prefilter, compile_database, pattern_width
from dlp.detect.prefilter_regex import (
    DIGIT_RUN_END,
    anchored_tail,
    consumed_lookbehind,
    digit_run,
    hyperscan_form,
    lookahead_reach,
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


@pytest.mark.parametrize(
    ("regex", "digits"),
    [
        (r"(?<![\w.-])\d{5,8}(?![\w-]|\.\d)", 5),
        (r"(?<![\w./-])\d{6,9}(?![0-9-]|(?-i:[a-z]|[A-Z](?![A-Za-z]))|\.\d)", 6),
        (r"(?<![\w+.-])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![0-9]|-\d)", 10),
        (r"\d{3}(?:\d{2}){1,2}(?!\d)", 5),
        (r"x?\d{5}(?![\w])", 5),
        (r"(?:\d{6}|\d{2}-\d{5})(?![0-9])", 5),
        # 0: fewer than five digits at the end, digits that may be something else, or no
        # lookahead that rejects a digit after them (then a match may end inside a run).
        (r"(?<![\w.-])\d{3}-\d{2}-\d{4}(?![0-9-])", 0),
        (r"(?:\d{6}|\d{3}-\d{3})(?![0-9])", 0),
        (r"\d{4}(?:\d{2})?(?!\d)", 0),
        (r"[0-9a]{6}(?!\d)", 0),
        (r"\d{9}", 0),
        (r"\d{9}(?![a-z])", 0),
        (r"\d{9}(?![1-9])", 0),
        (r"\d{9}(?=\D)", 0),
        (r"\d{9}(?!\d\d)", 0),
    ],
)
def test_digit_run(regex: str, digits: int) -> None:
    assert digit_run(regex, re.IGNORECASE) == digits


@pytest.mark.parametrize(
    ("regex", "reach"),
    [
        (r"\d{3}-\d{2}-\d{4}", 0),  # reads nothing past its end
        (r"\bdetentions?\b", 1),  # the character after
        (r"\d{9}(?![0-9-]|\.\d)", 2),
        (r"^\d{1,2}$", 2),  # "$" also holds before a last line break
        (r"\d{3}(?! ?[a-z]{2})", 3),
        (r"(?=[^\s]{0,64}\d)[^\s]{4,64}", 65),  # from anywhere in the match: its start, here
        (r"\d{3}(?=a(?!bc))", 3),  # a lookahead inside one, read as if consumed
        (r"(?<=\d{3})x", 0),  # a lookbehind reads before
        # No bound: a lookahead as wide as the text, a group reference.
        (r"\d{3}(?!.*x)", None),
        (r"(a)\d(?=\1)", None),
    ],
)
def test_lookahead_reach(regex: str, reach: int | None) -> None:
    assert lookahead_reach(regex, 0) == reach


ADDRESS = (
    r"(?<![\w.-])\d{1,6}[ \t]{1,2}(?:(?-i:[A-Z0-9][A-Za-z0-9'.-]{0,24})[ \t]{1,2}){1,4}"
    r"(?-i:Street|St|Ave)\.?(?:,?[ \t]{1,2}(?:apt|unit)\.?[ \t]?[a-z0-9-]{1,6})?(?![\w-])"
)


@pytest.mark.parametrize(
    ("regex", "tail"),
    [
        (
            ADDRESS,
            r"[ \t](?-i:Street|St|Ave)\.?(?:,?[ \t]{1,2}(?:apt|unit)\.?[ \t]?[a-z0-9-]{1,6})?"
            r"(?:$|[^\w-])",
        ),
        (r"\w{0,30}\.(?:com|org)(?!\w)", r"\.(?:com|org)(?:$|\W)"),
        # None: no wide repetition before the words, nothing that every match ends with before
        # them, a lookahead not of one known class, no lookahead, words that are not plain.
        (r"\d{1,6} (?:St|Ave)(?![\w-])", None),
        (r"\w{0,30}\.?(?:com|org)(?!\w)", None),
        (r"(?i:[a-z]{0,30}[a-z])(?-i:St|Ave)(?!\w)", None),
        (r"\w{0,30}\.(?:com|org)(?![?\w])", None),
        (r"\w{0,30}\.(?:com|org)(?!\w|x)", None),
        (r"\w{0,30}\.(?:com|org)", None),
        (r"\w{0,30}\.(?:com|o.g)(?!\w)", None),
        (r"\w{0,30}\.(?:com|org)|x(?!\w)", None),
    ],
)
def test_anchored_tail(regex: str, tail: str | None) -> None:
    assert anchored_tail(regex) == tail


def test_a_glued_id_keeps_its_own_form() -> None:
    glued = r"(?:(?<=[A-Za-z])|(?<=[A-Za-z]\.))\d{6,10}(?![0-9-]|\.\d)"
    assert hyperscan_form(glued, re.IGNORECASE) == (
        r"(?:[A-Za-z]|[A-Za-z]\.)\d{6,10}(?![0-9-]|\.\d)",
        0,
    )
    assert hyperscan_form(r"(?<![\w.-])\d{6,9}(?![\w-])", 0) == (DIGIT_RUN_END, 1)


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
                "12 Oak St",
                "450 North Maple Ave., Apt 4",
                "9 Elm Street,",
                " St.",
                "1234567890",
                "12345678901234567",
                "A1234567",
                "\u0663\u0663\u0663\u0663\u0663\u0663",
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


# Patterns of the forms ``hyperscan_form`` rewrites, and a few it leaves alone.
FORMS = [
    (r"(?<![\w.-])\d{5,8}(?![\w-]|\.\d)", 0),
    (r"(?<![\w./-])\d{9}(?![0-9-]|(?-i:[a-z]|[A-Z](?![A-Za-z]))|\.\d)", re.IGNORECASE),
    (r"(?<![\w+.-])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![0-9]|-\d)", 0),
    (r"\d{3}(?:\d{2}){1,2}(?!\d)", 0),
    (r"(?:\d{6}|\d{2}-\d{5})(?![0-9])", 0),
    (r"(?:(?<=[A-Za-z])|(?<=[A-Za-z]\.))\d{6,10}(?![0-9-]|\.\d)", re.IGNORECASE),
    (ADDRESS, re.IGNORECASE),
    (r"\w{0,30}\.(?:com|org)(?!\w)", 0),
    (r"(?<![\w.-])\d{3}-\d{2}-\d{4}(?![0-9-])", 0),
    # Lookaheads that read past a match's end across a space, or far: the windows reach
    # as far (``lookahead_reach``).
    (r"\d{3}(?! ?[a-z]{2})", 0),
    (r"(?=[^\s]{0,12}\+)[^\s]{2,12}", 0),
    (r"\d{2}(?!.*Z)", 0),
]
FORM_TEXTS = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("0123456789aZ-.+ \n?é\u0663")), max_size=12),
        st.sampled_from(
            [
                "12 Oak St",
                "450 North Maple Ave., Apt 4",
                "9 Elm  Street, unit 7-b",
                " Ave",
                "St.",
                "x.com",
                "4155550123",
                "1415555012345",
                "12-34567",
                "ID.1234567",
                "123 aa",
                "456aa",
                "7aZ9+",
                "12 Z",
            ]
        ),
    ),
    max_size=16,
).map("".join)


@pytest.fixture(scope="module")
def forms_prefilter():
    prefilter = Prefilter(
        [
            (regex, flags, PatternRef(0, i, pattern_width(regex, flags)))
            for i, (regex, flags) in enumerate(FORMS)
        ]
    )
    return [re.compile(regex, flags | re.ASCII) for regex, flags in FORMS], prefilter


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FORM_TEXTS)
def test_the_windows_of_rewritten_forms_hold_every_match(forms_prefilter, text: str) -> None:
    python, prefilter = forms_prefilter
    windows = prefilter.windows(text)
    ends = prefilter.ends(text)
    for pattern_id, compiled in enumerate(python):
        whole = [m.span() for m in compiled.finditer(text) if m.end() > m.start()]
        # An offset at the end of each match or inside it, at most the slack before its end
        # (the export gate marks the text that holds it).
        offsets = set(ends.get(pattern_id, []))
        for start, end in whole:
            assert offsets.intersection(range(max(start, end - 1), end + 1)), compiled.pattern
        found = [
            m.span()
            for start, stop in windows.get(pattern_id, [])
            for m in compiled.finditer(text, start, stop)
            if m.end() > m.start()
        ]
        assert found == whole, compiled.pattern


def test_patterns_that_end_a_run_of_digits_share_one_hyperscan_id(forms_prefilter) -> None:
    _, prefilter = forms_prefilter
    gap = " " * 120  # windows this far apart are not merged
    text = f"call 4155550123{gap}or 123456{gap}id 1234567890123{gap}ssn 987654321"
    ends = prefilter.ends(text)
    # One id and one list of ends for all of them; each keeps only runs long enough for it,
    # and those of its own two patterns (a whole run, of at most 8 and 9 digits) only runs
    # short enough (``digit_run_most``).
    assert ends[0] is ends[1] is ends[2]
    assert (prefilter._run_most[0], prefilter._run_most[1], prefilter._run_most[2]) == (8, 9, 0)
    six, nine = text.index("123456"), text.index("987654321")
    windows = prefilter.windows(text)
    assert len(windows[0]) == 1
    assert any(start <= six < stop for start, stop in windows[0])
    assert len(windows[1]) == 1
    assert any(start <= nine < stop for start, stop in windows[1])
    # (10 to 12 digits, a "+" before them: no bound read; the 13 digits' run is kept)
    thirteen = text.index("1234567890123")
    assert len(windows[2]) == 2
    assert any(start < thirteen + 13 <= stop for start, stop in windows[2])
