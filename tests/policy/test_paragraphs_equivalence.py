"""``with_paragraphs`` by bisection gives every finding the paragraph the walk over every label
and signature gave, and keeps every other field (the walk and ``dataclasses.replace`` are kept
here as the reference)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.model import Category, CellTable, Finding, Location, Segment, TextAt
from dlp.paragraphs import (
    _LABEL_GAP,
    LABELED,
    PLACED_ENTITIES,
    SIGNATURE,
    label_ends,
    paragraph_starts,
    signature_spans,
    with_paragraphs,
)


def _walked_paragraph(
    starts: list[int],
    signatures: list[tuple[int, int]],
    labels: list[int],
    finding: Finding,
    offset: int,
) -> int:
    if finding.entity_type in PLACED_ENTITIES and any(
        end <= offset <= end + _LABEL_GAP for end in labels
    ):
        return LABELED
    if any(start <= offset < end for start, end in signatures):
        return SIGNATURE
    return bisect_right(starts, offset)


def reference(segment: Segment, findings: list[Finding]) -> list[Finding]:
    """``with_paragraphs`` as it was: a walk per finding and ``dataclasses.replace``."""
    if not any(f.entity_type in PLACED_ENTITIES for f in findings):
        return findings
    starts = paragraph_starts(segment.text)
    signatures = signature_spans(segment.text)
    labels = label_ends(segment.text)
    cells = segment.cells
    if cells is None:
        return [
            replace(f, paragraph=_walked_paragraph(starts, signatures, labels, f, f.start))
            for f in findings
        ]
    cell_start: dict[Location, int] = {}
    for index, start in enumerate(cells.starts):
        cell_start.setdefault(cells.location(index), start)
    return [
        replace(
            f,
            paragraph=_walked_paragraph(
                starts, signatures, labels, f, cell_start.get(f.location, 0) + f.start
            ),
        )
        for f in findings
    ]


# Lines that make paragraphs, signatures (closings, several in a row) and student labels.
LINES = st.sampled_from(
    [
        "",
        "  ",
        "Thanks,",
        "Best regards",
        "-- ",
        "Saludos cordiales",
        "Student Name: Ana Ruiz",
        "Estudiante:  Luis",
        "Name of student:",
        "IEP meeting moved",
        "Ms. Lee, room 4",
        "x",
    ]
)


def _findings(draw: st.DrawFn, length: int, location: Location) -> list[Finding]:
    made = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, max(0, length)))
        made.append(
            Finding(
                draw(st.sampled_from(["PERSON", "SPECIAL_EDUCATION", "US_SSN"])),
                Category.CONTACT,
                start,
                start + draw(st.integers(1, 5)),
                draw(st.sampled_from([0.4, 0.85, 1.0])),
                "R",
                "p",
                "***",
                "ab" * 16,
                draw(st.sampled_from([(), ("iep",)])),
                location,
                draw(st.sampled_from([None, "s" * 16])),
                draw(st.booleans()),
                draw(st.sampled_from([None, TextAt(3, 4, 50)])),
            )
        )
    return made


@st.composite
def texts_and_findings(draw: st.DrawFn) -> tuple[Segment, list[Finding]]:
    text = "\n".join(draw(st.lists(LINES, max_size=25)))
    return Segment(text), _findings(draw, len(text), Location(("a.txt",)))


@st.composite
def packed_and_findings(draw: st.DrawFn) -> tuple[Segment, list[Finding]]:
    cells = draw(st.lists(st.lists(LINES, max_size=4).map("\n".join), min_size=1, max_size=5))
    text = "\n\n".join(cells)
    starts, ends, at = [], [], 0
    for cell in cells:
        starts.append(at)
        ends.append(at + len(cell))
        at += len(cell) + 2
    base = Location(("a.xlsx",), sheet="S")
    table = CellTable(base, starts, ends, rows=list(range(1, len(cells) + 1)))
    findings = []
    for index in range(len(cells)):
        findings += _findings(draw, ends[index] - starts[index], table.location(index))
    return Segment(text, base, cells=table), findings


@settings(max_examples=300, deadline=None)
@given(texts_and_findings())
def test_paragraphs_as_walked(case: tuple[Segment, list[Finding]]) -> None:
    segment, findings = case
    assert list(with_paragraphs(segment, findings)) == reference(segment, findings)


@settings(max_examples=150, deadline=None)
@given(packed_and_findings())
def test_paragraphs_of_packed_cells_as_walked(case: tuple[Segment, list[Finding]]) -> None:
    segment, findings = case
    assert list(with_paragraphs(segment, findings)) == reference(segment, findings)


def test_a_placed_finding_keeps_every_field() -> None:
    text = "Student Name: Ana Ruiz\n\nThanks,\nMs. Lee"
    name = Finding(
        "PERSON", Category.CONTACT, 14, 22, 0.6, "Names", "n", "A** R***", "cd" * 16,
        ("student",), Location(("a.txt",)), "s" * 16, True, TextAt(1, 15, 14),
    )  # fmt: skip
    (placed,) = with_paragraphs(Segment(text, name.location), [name])
    assert placed.paragraph == LABELED
    assert replace(placed, paragraph=None) == name
