"""A pattern that counts only with context, in a packed sheet whose text has none of its words:
``Scanner._keep_labelled_cells`` drops its windows in cells whose headers have none either
(a bare phone number in every ID cell under a "Parent phone" column). Held here to the scan
that keeps every window, on packed cells with labels in their texts, negative words, pasted
tables (delimiters), line breaks, blank cells and a segment context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.matches import RawMatch
from dlp.detect.normalize import fold
from dlp.extract.celltable import packed
from dlp.model import Location

VALUES = [
    "5593271234", "(559) 327-1234", "559-327-1234", "03/14/2011", "1234567890", "4481902",
    "536-22-1234", "(211) 555-0134", "A+", "x", "", "phone", "cell 5593271234",
    "DOB 03/14/2011", "room 5593271234", "Phone\tID\n5593271234\t1",
    "a,b,c\n5593271234,1,2", "5593271234\n5593271234", "  5593271234 ", "call me",
    # A pasted table's header the text's index does not read ("phone" in what looks like an
    # address): its column's values have the word all the same (``column_and_header_row``).
    "x@y.org,phone,z\n1,5593271234,2", "http://x.org/?a,phone,b\n1,5593271234,2",
]  # fmt: skip
HEADERS = ["Parent phone", "Student ID", "DOB", "Notes", "Cell", "", "ID", "Score", "Room"]
CONTEXTS = ["", "phone", "notes", "DOB"]


@contextmanager
def every_window(scanner: Any) -> Iterator[None]:
    kept = scanner._cell_bound
    scanner._cell_bound = tuple(False for _ in kept)
    try:
        yield
    finally:
        scanner._cell_bound = kept


def _fields(matches: list[RawMatch]) -> list[tuple[object, ...]]:
    return sorted(
        (m.entity_type, m.start, m.end, m.score, m.recognizer, m.pattern, m.context_words)
        for m in matches
    )


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.tuples(st.sampled_from(VALUES), st.sampled_from(HEADERS)), min_size=2, max_size=24
    ),
    context=st.sampled_from(CONTEXTS),
)
def test_the_windows_kept_find_what_every_window_finds(
    scanner: Any, cells: list[tuple[str, str]], context: str
) -> None:
    texts = [text for text, _ in cells]
    headers = [header for _, header in cells]
    base = Location("sheet.xlsx")
    segment = packed(texts, headers, [base.child(str(n)) for n in range(len(texts))])
    text = fold(segment.text).text
    kept = scanner.kept_matches(text, context, segment.cells, folded=True)
    raw = [m for m in scanner.raw_matches(text, context, segment.cells, folded=True)]
    with every_window(scanner):
        assert scanner.kept_matches(text, context, segment.cells, folded=True) == kept
        every = scanner.raw_matches(text, context, segment.cells, folded=True)
    threshold = scanner.config.score_threshold
    assert _fields([m for m in raw if m.score >= threshold]) == _fields(
        [m for m in every if m.score >= threshold]
    )


def test_a_bare_phone_number_in_id_cells_runs_in_no_window(scanner: Any) -> None:
    texts = ["5593271234", "(559) 327-1234"] * 20
    headers = ["Student ID", "Parent phone"] * 20
    base = Location("sheet.xlsx")
    segment = packed(texts, headers, [base.child(str(n)) for n in range(len(texts))])
    given: list[dict[int, list[tuple[int, int]]]] = []
    original = scanner.prefilter.windows

    def seen(*args: Any) -> dict[int, list[tuple[int, int]]]:
        given.append(original(*args))  # (the dict the scanner then narrows in place)
        return given[-1]

    scanner.prefilter.windows = seen
    try:
        matches = scanner.kept_matches(segment.text, "", segment.cells)
    finally:
        del scanner.prefilter.windows
    bare = [
        number
        for number, (recognizer, index, _) in enumerate(scanner._runs)
        if recognizer.spec.patterns[index].name == "phone bare"
    ]
    (windows,) = given
    assert bare and all(windows.get(number) == [] for number in bare)
    assert {m.entity_type for m in matches} == {"PHONE_NUMBER", "STUDENT_ID"}
