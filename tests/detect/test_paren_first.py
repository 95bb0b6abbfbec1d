"""A pattern compiled with its opening "(" before its lookarounds (``paren_first``) finds
what the pattern as written finds, in any window of any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.categories import load_categories, recognizer_folders
from dlp.detect.pattern_recognizer import digit_first, paren_first
from dlp.detect.specs import load_entity_specs

FOLDER = recognizer_folders(None, None)[0]
SHIPPED = [
    (pattern.regex, spec.flags | re.ASCII)
    for spec in load_entity_specs(FOLDER / "entities", load_categories([FOLDER]))
    for pattern in spec.patterns
]
MADE_UP = [
    (r"(?<![\w.])(?!\(1\d\))\(\d+\)", 0),
    (r"(?<![\w+./-])(?!\([2-9](?!11\))\d\d\)[ ]?\d)\(0?\d{1,3}\)[ ]?\d{3,4}", re.IGNORECASE),
    (r"(?<![(\]])(?!\([a](?:|\(\)|\([]x]))\(\w{0,3}\)?", 0),
    (r"(?<![\\a])(?!\(\\)\(.\)", 0),
]
CASES = [(regex, flags) for regex, flags in SHIPPED + MADE_UP if paren_first(regex) != regex]
ALPHABET = "0123456789011 -./()()+#:abcXYZ]\\\n\t\u0663\u00e9_@"


def test_the_national_number_in_parentheses_is_rewritten() -> None:
    rewritten = [regex for regex, _ in SHIPPED if paren_first(regex) != regex]
    assert len(rewritten) >= 1
    assert all(paren_first(regex).startswith(r"\((?<!") for regex in rewritten)
    assert len(CASES) == len(rewritten) + len(MADE_UP)


def test_other_patterns_are_left_as_they_are() -> None:
    for regex, _ in SHIPPED:
        if not regex.startswith("(?<![") or "(?!\\(" not in regex[:40]:
            assert paren_first(regex) == regex
    for regex in (
        r"(?<![\w])(?!\(1)x",
        r"(?<!a)(?!\(1)\(",
        r"(?!\(1)\(",
        r"\(\d+\)",
        r"(?<![(\]])(?!\([a]|\(\)|\([]x])\(\w{0,3}\)?",  # (alternatives: not every one opens so)
    ):
        assert paren_first(regex) == regex
    assert paren_first(digit_first(r"(?<![\w.-])\d{9}")) == digit_first(r"(?<![\w.-])\d{9}")


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(CASES),
    st.text(alphabet=ALPHABET, max_size=60),
    st.integers(0, 70),
    st.integers(0, 70),
)
def test_same_matches_as_written(case: tuple[str, int], text: str, low: int, high: int) -> None:
    regex, flags = case
    written, first = re.compile(regex, flags), re.compile(paren_first(regex), flags)
    for pattern_window in ((0, len(text)), (low, high)):
        expected = [m.span() for m in written.finditer(text, *pattern_window)]
        assert [m.span() for m in first.finditer(text, *pattern_window)] == expected


PHONES = st.lists(
    st.sampled_from(
        ["(559) 327-1234", "(71) 4233-6306", "(011) 555 1234", "(0)", "x", " ", "(", ")", "7"]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CASES), PHONES, st.integers(0, 70), st.integers(0, 70))
def test_same_matches_in_phone_numbers(
    case: tuple[str, int], text: str, low: int, high: int
) -> None:
    test_same_matches_as_written.hypothesis.inner_test(case, text, low, high)  # type: ignore[attr-defined]
