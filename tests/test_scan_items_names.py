"""``scan_items`` asks ``names_of`` only of segments whose findings can name something (a
name part, or cells of their own locations), and with ``paragraphs`` false gives findings
without their paragraph: the same items otherwise as it gave (the old loop, kept here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import Scanner
from dlp.identifiers import Names, names_of, renamed
from dlp.model import (
    FILE_NAME_PART,
    SUBJECT_PART,
    CellTable,
    Finding,
    Location,
    Segment,
    Unscannable,
    UnscannableReason,
)
from dlp.packing import pack
from dlp.pipeline import scan_items


def old_scan_items(
    items: Iterable[Segment | Unscannable], scanner: Scanner
) -> Iterator[Finding | Unscannable]:
    names: Names = {}
    for item in pack(items):
        if isinstance(item, Unscannable):
            yield replace(item, location=renamed(item.location, names)) if names else item
            continue
        found = scanner.scan(item, paragraphs=True)
        names.update(names_of(found))
        for finding in found:
            yield replace(finding, location=renamed(finding.location, names)) if names else finding


TEXTS = st.sampled_from(
    ["", "SSN 536-22-1234", "Ana Ruiz has an IEP.", "536-22-1234.pdf", "call (948) 455-7703"]
)
PATHS = st.sampled_from([("a.zip",), ("a.zip", "536-22-1234.pdf"), ("m.eml", "x")])


@st.composite
def items(draw: st.DrawFn) -> Segment | Unscannable:
    path = draw(PATHS)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return Unscannable(Location(path), UnscannableReason.CORRUPT)
    part = draw(st.sampled_from([None, FILE_NAME_PART, SUBJECT_PART, "body"]))
    location = Location(path, part=part)
    if kind == 1:
        return Segment(draw(TEXTS), location)
    cells = draw(st.lists(TEXTS.filter(bool), min_size=1, max_size=3))
    text = "\n\n".join(cells)
    starts, ends, offset = [], [], 0
    for cell in cells:
        starts.append(offset)
        ends.append(offset + len(cell))
        offset += len(cell) + 2
    rows = list(range(1, len(cells) + 1))
    return Segment(text, location, cells=CellTable(location, starts, ends, rows=rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), max_size=6))
def test_scan_items_as_before(scanner: Scanner, given_items: list[Segment | Unscannable]) -> None:
    expected = list(old_scan_items(given_items, scanner))
    assert list(scan_items(given_items, scanner)) == expected
    unplaced = [
        replace(item, paragraph=None) if isinstance(item, Finding) else item for item in expected
    ]
    assert list(scan_items(given_items, scanner, paragraphs=False)) == unplaced
