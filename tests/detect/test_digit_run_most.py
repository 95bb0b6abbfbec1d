"""A digit-run pattern's runs too long for it (``digit_run_most``) are passed over by
``Prefilter.windows``: held to the findings of the windows that keep them, on digit-heavy
text (runs of every length, glued to letters, Unicode digits, separators), and the bound read
from each shipped digit-run pattern as its regex says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter_regex import digit_run_most

PIECES = st.one_of(
    st.integers(1, 20)
    .map(lambda n: "1234567890" * 2)
    .flatmap(lambda digits: st.integers(1, 20).map(lambda n: digits[:n])),
    st.sampled_from(
        [
            " ",
            "\n",
            "\n\n",
            "-",
            ".",
            "/",
            "+",
            "x",
            "SSN ",
            "ID ",
            "phone ",
            "E",
            "٣",
            "１",
            "é",
            "#",
        ]
    ),
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@pytest.mark.parametrize(
    ("regex", "most"),
    [
        (r"(?<![\w./-])\d{6,9}(?![0-9-]|\.\d)", 9),
        (r"(?<![\w.-])\d{9}(?![0-9-]|\.\d)", 9),
        (r"(?<![\w.-])\d{8,17}(?![\w-]|\.\d)", 17),
        (r"(?<![\w+.-])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![0-9])", 0),  # a "+" can be consumed
        (r"(?<![\w.-])(?-i:[EST])\d{5,7}(?![\w-])", 0),  # a letter is consumed
        (r"(?<![a-z])\d{6,9}(?![0-9])", 0),  # a digit may come before the match
        (r"(?<![\w.-])\d{6,}(?![0-9])", 0),  # no bound
        (r"\d{6,9}(?![0-9])", 0),  # no lookbehind
    ],
)
def test_the_bound_is_read_from_the_regex(regex: str, most: int) -> None:
    assert digit_run_most(regex, re.IGNORECASE) == most


def _found(scanner: Any, text: str) -> list[tuple[object, ...]]:
    return [
        (m.entity_type, m.start, m.end, m.score, m.pattern, m.context_words)
        for m in scanner.raw_matches(text, "student id phone ssn account employee")
    ]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_passing_over_too_long_runs_keeps_every_finding(scanner: Any, text: str) -> None:
    prefilter = scanner.prefilter
    assert any(prefilter._run_most)
    found = _found(scanner, text)
    bounded = prefilter._run_most
    try:
        prefilter._run_most = (0,) * len(bounded)
        expected = _found(scanner, text)
    finally:
        prefilter._run_most = bounded
    assert found == expected
