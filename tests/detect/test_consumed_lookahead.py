"""A spaceless pattern's closing negative lookahead, consumed in its Hyperscan form
(``dlp.detect.prefilter_regex.consumed_lookahead``), still reports every real match, once,
and the windows still find exactly the matches a whole-text scan finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import PatternRef, Prefilter, pattern_width
from dlp.detect.prefilter_regex import consumed_lookahead, hyperscan_form

EMAIL = (
    r"(?<![\w.+@-])[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){1,8}(?![\w@-]|\.[a-z0-9])"
)
DATE = (
    r"(?<![\w/.-])(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-]"
    r"(?:(?:19|20)\d{2}|\d{2})(?![\w/-]|\.\d)"
)


@pytest.mark.parametrize(
    ("regex", "consumed"),
    [
        (r"\d{2,4}(?![\w/-]|\.\d)", r"\d{2,4}(?:$|[^\w/-])"),
        (r"[a-z]{1,3}(?!\.\d|[0-9-])", r"[a-z]{1,3}(?:$|[^0-9-])"),
        (r"x\.(?:com|org)(?!\w)", r"x\.(?:com|org)(?:$|\W)"),
        (r"\d{3}(?!(?-i:[a-z])|-\d)", None),  # no alternative is one class alone
        (r"\d{3}(?![^\n])", None),  # (a negated class: not known here)
        (r"\d{3}(?![?\w])", None),  # "?" is what Hyperscan sees of a non-ASCII character
        (r"\d{3}(?=\w)", None),
        (r"\d{3}", None),
        (r"(?:\d{3})?(?!\w)", None),  # may match nothing
        (r"\d{3}|x(?!\w)", None),
    ],
)
def test_consumed_lookahead(regex: str, consumed: str | None) -> None:
    assert consumed_lookahead(regex) == consumed


def test_only_spaceless_patterns_are_given_it() -> None:
    assert hyperscan_form(DATE, 0) == (
        r"(?:^|[^\w/.-])(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-]"
        r"(?:(?:19|20)\d{2}|\d{2})(?:$|[^\w/-])",
        1,
    )
    assert hyperscan_form(EMAIL, re.IGNORECASE)[1] == 1
    phone = r"(?<![\w+.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![0-9]|-\d|\.\d)"
    assert hyperscan_form(phone, 0)[1] == 0  # (it may hold a space)


PATTERNS = [
    (EMAIL, re.IGNORECASE),
    (DATE, 0),
    (r"(?<!\w)\d{2,4}(?![\w/-]|\.\d)", 0),
    (r"(?<![\w.-])[a-z]{2,6}\.(?:com|org|k12\.ca\.us)(?![\w@-]|\.[a-z0-9])", re.IGNORECASE),
]
TEXTS = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("0123456789aZ-./@ \n?é")), max_size=12),
        st.sampled_from(
            [
                "emma.wilson71@gmail.com.",
                "x@y.org\n",
                "a@b.k12.ca.us",
                "01/05/2013",
                "1/5/20",
                "12/31/1999.5",
                "ab.org",
                "ab.com.",
                "2024",
            ]
        ),
    ),
    max_size=16,
).map("".join)


@pytest.fixture(scope="module")
def prefilter():
    return [re.compile(regex, flags | re.ASCII) for regex, flags in PATTERNS], Prefilter(
        [
            (regex, flags, PatternRef(0, i, pattern_width(regex, flags)))
            for i, (regex, flags) in enumerate(PATTERNS)
        ]
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_the_windows_of_consumed_lookaheads_hold_every_match(prefilter, text: str) -> None:
    python, prefilter = prefilter
    windows = prefilter.windows(text)
    ends = prefilter.ends(text)
    for pattern_id, compiled in enumerate(python):
        assert prefilter._slack[pattern_id] == 1, compiled.pattern
        whole = [m.span() for m in compiled.finditer(text) if m.end() > m.start()]
        # An offset at the end of each match or one before it, inside it.
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


def test_an_address_is_reported_once() -> None:
    prefilter_ = Prefilter(
        [(EMAIL, re.IGNORECASE, PatternRef(0, 0, pattern_width(EMAIL, re.IGNORECASE)))]
    )
    text = "Email: emma.wilson71@gmail.com.\nor x@y.org"
    # (without the lookahead consumed: at "gmail.c", "gmail.co" and "gmail.com")
    assert prefilter_.ends(text) == {0: [text.index(".com") + 4, len(text) - 1]}
