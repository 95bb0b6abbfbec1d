"""``Scanner.scan(segment, paragraphs=True)`` gives the findings ``with_paragraphs`` gives of
``Scanner.scan(segment)``: each paragraph given as the finding is made, not by a copy."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import Scanner
from dlp.model import CellTable, Location, Segment, TextAt
from dlp.paragraphs import with_paragraphs

# Lines with names, values, paragraphs, signatures and student labels; a zero-width space and
# a full-width digit make the folded text differ from the segment's own.
LINES = st.sampled_from(
    [
        "",
        "  ",
        "Thanks,",
        "Best regards",
        "-- ",
        "Student Name: Ana Ruiz",
        "Estudiante:  Luis Garcia",
        "Maria Lopez has an IEP meeting on Tuesday.",
        "Call Sofia's mom at (948) 455-7703 after 3.",
        "SSN 536-22-1234 belongs to Emma Patel.",
        "Student ID: 7793273615 (Liam Martinez) was absent.",
        "Ms. Lee, room 4",
        "Ana\u200b Ruiz, student id \uff14481902",
        "x",
    ]
)


@st.composite
def segments(draw: st.DrawFn) -> Segment:
    at = TextAt(3, 1, 120) if draw(st.booleans()) else None
    location = Location(("a.txt",), text_at=at)
    if not draw(st.booleans()):
        return Segment("\n".join(draw(st.lists(LINES, max_size=12))), location)
    cells = draw(st.lists(st.lists(LINES, max_size=4).map("\n".join), min_size=1, max_size=5))
    text = "\n\n".join(cells)
    starts, ends, offset = [], [], 0
    for cell in cells:
        starts.append(offset)
        ends.append(offset + len(cell))
        offset += len(cell) + 2
    base = Location(("a.xlsx",), sheet="S")
    # Rows that repeat: two cells of one location (the first one's start counts for both).
    rows = [draw(st.integers(1, 3)) for _ in cells]
    return Segment(text, base, cells=CellTable(base, starts, ends, rows=rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments(), st.integers(0, 4))
def test_paragraphs_given_as_made(scanner: Scanner, segment: Segment, cap: int) -> None:
    assert scanner.scan(segment, paragraphs=True) == list(
        with_paragraphs(segment, scanner.scan(segment))
    )
    taken: dict[str, int] = {}

    def take(entity_type: str, _location: Location) -> bool:
        taken[entity_type] = taken.get(entity_type, 0) + 1
        return taken[entity_type] <= cap

    placed = scanner.scan(segment, take, paragraphs=True)
    taken.clear()
    assert placed == list(with_paragraphs(segment, scanner.scan(segment, take)))
