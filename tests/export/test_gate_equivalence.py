"""The candidate gate's marks are exactly those of its first, plainer form (kept here as the
reference): the faster marking of context-bound patterns' ends changes no mark."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.normalize import needs_folding
from dlp.export.batching import SEPARATOR, CandidateGate

PIECES = [
    "536-22-1234",
    "SSN",
    "Student ID",
    "student id 4827163950",
    "4827163950",
    "312",
    "24",
    "(559) 327-4410",
    "phone",
    "DOB",
    "03/14/2011",
    "B+",
    "Room",
    "Wilson",
    "Lisa Woods",
    "maria@gmail.com",
    "zip 93710",
    "Perm ID",
    "\n",
    " ",
    "",
    "é",
]
CELL = st.lists(st.sampled_from(PIECES), max_size=4).map(" ".join) | st.text(max_size=10)
HEADERS = st.sampled_from(["", "Student ID", "Room", "DOB", "Phone", "SSN", "Enrollment", "Zip"])


def reference(
    gate: CandidateGate,
    joined: str,
    starts: list[int],
    ends: list[int],
    headers: Sequence[str] | None,
) -> list[bool]:
    """The gate as first written: every end touches its texts, context checked per text."""
    count = len(starts)
    marks = [False] * count
    weak: dict[int, set[int]] = {}

    def touch(start: int, end: int, pattern: int = -1) -> None:
        index = max(bisect_right(starts, start) - 1, 0)
        while index < count and starts[index] <= end:
            if ends[index] >= start and ends[index] > starts[index] and not marks[index]:
                if pattern < 0:
                    marks[index] = True
                    weak.pop(index, None)
                else:
                    weak.setdefault(index, set()).add(pattern)
            index += 1

    scanner = gate.scanner
    terms, places = scanner.indexer.index(joined)
    for match in terms:
        touch(match.start, match.end)
    if scanner.names is not None:
        for start, end in places.given_names:
            touch(start, end)
    table = gate.context_bound if headers is not None else None
    for pattern, offsets in scanner.prefilter.ends(joined).items():
        bound = table is not None and table[pattern] is not None
        for offset in offsets:
            touch(offset, offset, pattern if bound else -1)
    for index, patterns in weak.items():
        assert headers is not None and table is not None
        present = scanner.indexer.phrases_in(headers[index]) | scanner.indexer.phrases_in(
            joined[starts[index] : ends[index]]
        )
        marks[index] = any((table[pattern] or frozenset()) & present for pattern in patterns)
    for index in range(count):  # a text the scan folds (since the gate's second form)
        if ends[index] > starts[index] and needs_folding(joined[starts[index] : ends[index]]):
            marks[index] = True
    if scanner.roster is not None:
        for index in range(count):
            if not marks[index] and ends[index] > starts[index]:
                marks[index] = bool(scanner.roster.find(joined[starts[index] : ends[index]]))
    return marks


@pytest.fixture(scope="module")
def gate(scanner):
    return CandidateGate(scanner)


def spans(texts: list[str], gaps: list[int]) -> tuple[str, list[int], list[int]]:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for text, gap in zip(texts, gaps, strict=True):
        starts.append(position)
        ends.append(position + len(text))
        parts.append(text + SEPARATOR * gap)
        position += len(text) + gap
    return "".join(parts), starts, ends


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(CELL, HEADERS, st.integers(1, 2)), min_size=1, max_size=16),
    st.booleans(),
)
def test_marks_equal_the_reference(gate, cells, with_headers):
    texts = [text for text, _, _ in cells]
    headers = [header for _, header, _ in cells] if with_headers else None
    joined, starts, ends = spans(texts, [gap for _, _, gap in cells])
    expected = reference(gate, joined, starts, ends, headers)
    assert gate.candidates_in(joined, starts, ends, headers) == expected
    # Again: the phrases it remembered from the first call change nothing.
    assert gate.candidates_in(joined, starts, ends, headers) == expected


def test_a_numbers_column_is_candidates_under_its_context_word_only(gate):
    ids = [str(4827163950 + n * 7919) for n in range(40)]
    joined, starts, ends = spans(ids, [1] * len(ids))
    marks = {}
    for header in ("Student ID", "Room"):
        headers = [header] * len(ids)
        marks[header] = gate.candidates_in(joined, starts, ends, headers)
        assert marks[header] == reference(gate, joined, starts, ends, headers)
    assert all(marks["Student ID"]) and not any(marks["Room"])
