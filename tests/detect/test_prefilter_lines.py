"""A window of a pattern that never matches a line break starts on the line its end is on
(``prefilter_regex.lineless``), and a window's end that is white space already is settled
without a search (``prefilter._SPACES``): held to the search and to the scan of the whole
text."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.prefilter import _NEWLINE, _SNAP_LIMIT, _SPACE, _SPACES, _WHITESPACE, _merge
from dlp.detect.prefilter_regex import lineless, spaceless


def test_the_spaces_are_every_character_the_search_finds() -> None:
    every = frozenset(filter(_WHITESPACE.match, map(chr, range(sys.maxunicode + 1))))
    assert every == _SPACES


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (r"\d{3}[ .-]\d{4}", True),
        (r"\(\d{3}\)[ ]?\d{3}-\d{4}", True),
        (r"\d{3}\s\d{4}", False),
        (r"\d{3}[^x]\d{4}", False),
        (r"a.b", False),
        (r"(?:ab|c\nd)", False),
        (r"(?:ab|c[\t ]d)", True),
        (r"\bnational[ \t\r\n]{1,3}origin\b", False),
        (r"\bnational[ \t]{1,3}origin\b", True),
        (r"(?<=\n)\d{4}(?=\n)", True),
        (r"\d+\D", False),
        (r"\d+\S", True),
    ],
)
def test_lineless(regex: str, expected: bool) -> None:
    assert lineless(regex, 0) is expected


@pytest.mark.parametrize("regex", [r"\d{9}", r"[\w.]{1,64}@x\.org", r"(?<=\s)\d{4}"])
def test_a_spaceless_pattern_is_lineless_too(regex: str) -> None:
    assert spaceless(regex, 0) and lineless(regex, 0)


def _snap_end(text: str, end: int, length: int) -> int:
    if end >= length:
        return length
    space = _WHITESPACE.search(text, end, min(length, end + _SNAP_LIMIT))
    return space.start() if space else min(length, end + _SNAP_LIMIT)


def _merge_stepwise(
    ends: list[int],
    width: int,
    text: str,
    length: int,
    spaceless: bool,
    reach: int,
    lineless: bool,
) -> list[tuple[int, int]]:
    """``_merge`` with a call per step and a search at every end (the reference)."""
    windows: list[tuple[int, int]] = []
    current_start = current_end = -1
    for end in ends:
        start = end - width if end > width else 0
        if start < end and end > current_end:
            if spaceless:
                start = max(
                    start,
                    text.rfind(_SPACE, start, end) + 1,
                    text.rfind(_NEWLINE, start, end) + 1,
                )
            elif lineless:
                start = max(start, text.rfind(_NEWLINE, start, end) + 1)
        stop = end + reach
        if current_end >= 0 and start <= current_end:
            if stop > current_end:
                current_end = _snap_end(text, stop, length)
            continue
        if current_end >= 0:
            windows.append((current_start, current_end))
        current_start, current_end = start, _snap_end(text, stop, length)
    if current_end >= 0:
        windows.append((current_start, current_end))
    return windows


PIECES = st.sampled_from(
    [
        "x",
        "7",
        " ",
        "\n",
        "\n\n\n\n\n\n",
        "\t",
        "\x1c",
        "\u2028",
        "\u3000",
        "é",
        "-",
        "ab",
        "x" * 90,
    ]
)


@settings(max_examples=400)
@given(
    pieces=st.lists(PIECES, max_size=120),
    data=st.data(),
    width=st.integers(min_value=0, max_value=300),
    barriers=st.sampled_from([(False, False), (True, False), (False, True)]),
    reach=st.integers(min_value=0, max_value=90),
)
def test_windows_are_the_stepwise_ones(
    pieces: list[str],
    data: st.DataObject,
    width: int,
    barriers: tuple[bool, bool],
    reach: int,
) -> None:
    text = "".join(pieces)
    ends = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=40)))
    no_space, no_line = barriers
    assert _merge(ends, width, text, len(text), no_space, reach, no_line) == _merge_stepwise(
        ends, width, text, len(text), no_space, reach, no_line
    )


PHONE = (
    r"(?<![\w+.-])(?:(?:\+?1|001)[ .-]?)?(?:\([2-9]\d{2}\)[ ]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![0-9]|(?-i:[a-z]|[A-Z](?![A-Za-z]))|-\d|\.\d)"
)
CELLS = st.lists(
    st.sampled_from(
        ["(559) 327-1200", "559 327 1200", "1 559 327 1200 x 12", "5593271200", "x", " ", "1"]
    ),
    max_size=4,
).map("".join)


@settings(max_examples=300)
@given(cells=st.lists(CELLS, max_size=20), gap=st.sampled_from(["\n", "\n\n\n\n\n\n", " \n"]))
def test_a_lineless_patterns_windows_find_the_whole_texts_matches(
    cells: list[str], gap: str
) -> None:
    """Windows that start at the line of each end (as the prefilter reports ends: where each
    match ends) find every match of a scan of the whole text, and only those."""
    text = gap.join(cells)
    pattern = re.compile(PHONE, re.ASCII)
    assert lineless(PHONE, 0) and not spaceless(PHONE, 0)
    whole = [match.span() for match in pattern.finditer(text)]
    ends = sorted({end for _, end in whole})
    windows = _merge(ends, 29, text, len(text), False, 2, True)
    found = []
    for start, stop in windows:
        found += [match.span() for match in pattern.finditer(text, start, stop)]
    assert found == whole
