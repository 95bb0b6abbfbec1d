"""Packing small segments (cells) into one scan keeps every finding in its own cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.model import FILE_NAME_PART, Location, Segment, Unscannable, UnscannableReason
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


def attachment_name(text: str, part: str | None = FILE_NAME_PART) -> Segment:
    return Segment(text, Location(("grades.xlsx",), part=part))


def table_blocks(texts: list[str], headers: list[str], block: int) -> list[Segment]:
    """A sheet's cells as its reader hands them over: packed, in blocks cut by pack's rule."""
    cells = [
        Segment(text, Location(("grades.xlsx",), sheet="P3", row=row, column="A"), header)
        for row, (text, header) in enumerate(zip(texts, headers, strict=True), start=1)
    ]
    return list(pack(cells, block=block))  # type: ignore[arg-type]


def test_a_sheet_behind_its_file_name_passes_through_in_its_own_blocks():
    texts = [f"row {i} plain text" for i in range(40)]
    blocks = table_blocks(texts, ["Note"] * 40, block=200)
    assert len(blocks) > 2
    name = attachment_name("grades.xlsx")
    out = list(pack([name, *blocks], block=200))
    assert out[0] == name
    assert all(a is b for a, b in zip(out[1:], blocks, strict=True))


def test_a_small_sheet_still_shares_its_block_with_its_file_name():
    blocks = table_blocks(["4512345", "Sam Lee"], ["Perm ID", "Name"], block=200)
    (packed,) = list(pack([attachment_name("grades.xlsx"), *blocks], block=200))
    assert packed.cells is not None and len(packed.cells) == 3


def scanned(scanner, items: list[Segment], block: int) -> list[tuple[object, ...]]:
    """Each finding as a reader sees it; a file name's part left out (the reference's name is
    no file name, so that it is packed as any small segment before the table was)."""
    return [
        (
            f.location.path,
            f.location.row,
            f.entity_type,
            f.start,
            f.end,
            f.score,
            f.context_words,
            f.masked,
        )
        for packed in pack(items, block=block)
        for f in scanner.scan(packed)  # type: ignore[arg-type]
    ]


@settings(max_examples=120, deadline=None)
@given(
    name=st.sampled_from(FRAGMENTS),
    rows=st.lists(
        # No header of a ``columns`` rule ("ID" counts only in a block whose headers also
        # name a grade): which cells share a block decides that one, on main too (see
        # test_a_sheet_behind_its_file_name_is_scanned_in_the_blocks_of_the_sheet_alone).
        st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(["", "SSN", "Name", "Notes"])),
        min_size=1,
        max_size=40,
    ),
    block=st.integers(min_value=40, max_value=400),
)
def test_a_file_name_packed_apart_finds_what_it_found_joined_to_the_sheet(
    scanner, name, rows, block
):
    texts = [text for text, _ in rows]
    headers = [header for _, header in rows]
    blocks = table_blocks(texts, headers, block)
    apart = scanned(scanner, [attachment_name(name), *blocks], block)
    joined = scanned(scanner, [attachment_name(name, part=None), *blocks], block)
    # The same findings; their order is not compared: a block lists its findings by their
    # offsets in their own cells, so cells packed apart interleave differently.
    assert sorted(apart, key=repr) == sorted(joined, key=repr)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(["", "ID", "Grade", "SSN"])),
        min_size=1,
        max_size=30,
    ),
    block=st.integers(min_value=40, max_value=300),
)
def test_a_sheet_behind_its_file_name_is_scanned_in_the_blocks_of_the_sheet_alone(
    scanner, rows, block
):
    """An attachment's sheet is found in as the same file read on its own (no name before
    it): the same blocks, so the same findings, whatever rule reads a block's headers."""
    texts = [text for text, _ in rows]
    headers = [header for _, header in rows]
    blocks = table_blocks(texts, headers, block)
    name = attachment_name("student roster.xlsx")
    behind_name = [
        found for found in scanned(scanner, [name, *blocks], block) if found[1] is not None
    ]
    alone = scanned(scanner, blocks, block)
    assert sorted(behind_name, key=repr) == sorted(alone, key=repr)
