"""Packing small segments (cells) into one scan keeps every finding in its own cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.model import Location, Segment, Unscannable, UnscannableReason
from dlp.packing import pack


def cell(text: str, row: int, column: str, header: str = "") -> Segment:
    return Segment(text, Location(("grades.xlsx",), sheet="P3", row=row, column=column), header)


def test_finding_keeps_its_cell_location_offsets_and_header_context(scanner):
    segments = [
        cell("Perm ID", 1, "A"),
        cell("Name", 1, "B"),
        cell("4512345", 2, "A", "Perm ID"),
        cell("Sam Lee", 2, "B", "Name"),
        cell("has an IEP", 3, "C", "Notes"),
    ]
    (packed,) = list(pack(segments))
    assert len(packed.cells) == 5
    findings = scanner.scan(packed)
    student = next(f for f in findings if f.entity_type == "STUDENT_ID")
    assert (student.start, student.end) == (0, 7)
    assert student.location == segments[2].location
    assert student.context_words == ("perm id",)
    iep = next(f for f in findings if f.entity_type == "SPECIAL_EDUCATION")
    assert (iep.start, iep.end, iep.location.row) == (7, 10, 3)


def test_unscannable_items_and_large_segments_pass_through_in_order():
    small = cell("a", 1, "A")
    big = Segment("x" * 10_000, Location(("notes.txt",)))
    broken = Unscannable(Location(("bad.pdf",)), UnscannableReason.CORRUPT)
    out = list(pack([small, broken, big, small]))
    assert out == [small, broken, big, small]


FRAGMENTS = [
    "536-22-1234",
    "IEP",
    "504 plan",
    "Student ID 1234567890",
    "SSN",
    "4512345",
    "plain text",
    "DOB 03/14/2011",
    "jgarcia@cusd.com",
    "504",
    "plan",
    "student",
]


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
def test_packing_never_loses_a_finding(scanner, texts):
    segments = [cell(text, row, "A") for row, text in enumerate(texts, start=1)]
    alone = {
        (f.location.row, f.entity_type, f.start, f.end)
        for segment in segments
        for f in scanner.scan(segment)
    }
    together = {
        (f.location.row, f.entity_type, f.start, f.end)
        for packed in pack(segments)
        for f in scanner.scan(packed)  # type: ignore[arg-type]
    }
    assert alone <= together
    # no term is ever found across two cells ("504" + "plan" in neighbouring cells)
    for row, _entity_type, _start, end in together:
        assert end <= len(texts[row - 1])
