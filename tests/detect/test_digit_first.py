"""A pattern compiled with its first digit before its opening lookbehind (``digit_first``)
finds what the pattern as written finds, in any window of any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.categories import load_categories, recognizer_folders
from dlp.detect.pattern_recognizer import digit_first
from dlp.detect.specs import load_entity_specs

FOLDER = recognizer_folders(None, None)[0]
SHIPPED = [
    (pattern.regex, spec.flags | re.ASCII)
    for spec in load_entity_specs(FOLDER / "entities", load_categories([FOLDER]))
    for pattern in spec.patterns
]
MADE_UP = [
    (r"(?<![\w.-])\d{1}", 0),
    (r"(?<![\w.-])\d{3,5}?(?:-\d{2})?", 0),
    (r"(?<![\]\\a])\d{2,4}|x\d", re.IGNORECASE),
    (r"(?<![^\W\d])\d{4}(?!\d)", re.ASCII),
    (r"(?<![\w./-])\d{6,9}(?![0-9-]|(?-i:[a-z]|[A-Z](?![A-Za-z]))|\.\d)", re.IGNORECASE),
]
CASES = [(regex, flags) for regex, flags in SHIPPED + MADE_UP if digit_first(regex) != regex]
ALPHABET = "0123456789012345678901234567890123456789 -./()+#:abcXYZ]\\\n\t\u0663\u00e9_@"


def test_the_id_and_ssn_patterns_are_rewritten() -> None:
    rewritten = {regex for regex, _ in SHIPPED if digit_first(regex) != regex}
    assert len(rewritten) >= 4
    assert all(digit_first(regex).startswith(r"\d(?<!") for regex in rewritten)


def test_other_patterns_are_left_as_they_are() -> None:
    for regex in (r"(?<!\d)\d{3}", r"(?<![\w.-])\d{0,3}", r"(?<![a])\d{6,}", r"\d{3}", "x"):
        assert digit_first(regex) == regex


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(CASES),
    st.text(alphabet=ALPHABET, max_size=60),
    st.integers(0, 70),
    st.integers(0, 70),
)
def test_same_matches_as_written(case: tuple[str, int], text: str, low: int, high: int) -> None:
    regex, flags = case
    written, first = re.compile(regex, flags), re.compile(digit_first(regex), flags)
    for pattern_window in ((0, len(text)), (low, high)):
        expected = [m.span() for m in written.finditer(text, *pattern_window)]
        assert [m.span() for m in first.finditer(text, *pattern_window)] == expected
