"""``find_in_windows`` leaves out two things that cannot change what it finds: the search of a
window's rest too short for the pattern's shortest match, and, under a floor, the
``invalidate`` rule of a match that its context leaves under the floor. Held to each match
evaluated in full (``_evaluate``) on every ``finditer`` match, over windows that end at, just
after and well after the matches, in packed cells and in prose."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.context import context_of
from dlp.extract.celltable import SEPARATOR

CELLS = [
    "536-22-1234", "666-12-3456", "123456789", "4111 1111 1111 1111", "02/30/2021", "12/05/2019",
    "(555) 123-4567", "(212) 555-0199", "212-555-0199", "2125550199", "1115550199", "4481902",
    "a@b.example", "SSN 536-22-1234", "phone: (212) 555-0199", "DOB 12/05/2019", "room 4481902",
    "order 2125550199", "Student ID 4481902", "x", "",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(CELLS), min_size=1, max_size=8),
    st.sampled_from([SEPARATOR, "\n", " ", "\t"]),
    st.lists(st.tuples(st.integers(-2, 4), st.integers(0, 3)), max_size=4),
    st.sampled_from([0.0, 0.05, 0.1, 0.4, 0.5, 0.8]),
    st.sampled_from(["", "Student ID", "phone", "room"]),
)
def test_find_in_windows_as_every_match_evaluated(  # type: ignore[no-untyped-def]
    scanner, cells: list[str], joint: str, cuts: list[tuple[int, int]], floor: float, extra: str
):
    text = joint.join(cells)
    context = context_of(scanner.indexer, text, extra)
    for recognizer in scanner.pattern_recognizers:
        for index, compiled in enumerate(recognizer.compiled):
            spans = [found.span() for found in compiled.finditer(text)]
            # Windows around the matches: from a little before one to its end, to a character
            # or two past it (less than any pattern's shortest match), or a little further.
            windows = [(0, len(text))]
            for number, (early, late) in enumerate(cuts):
                if spans:
                    start, end = spans[number % len(spans)]
                    windows.append((max(0, start - early), min(len(text), end + late)))
            expected = []
            for low, high in windows:
                for found in compiled.finditer(text, low, high):
                    match = recognizer._evaluate(text, found, index, context)
                    if match is not None and match.score >= floor:
                        expected.append(match)
            assert recognizer.find_in_windows(text, index, windows, context, floor) == expected
