"""``Scanner.scan``'s ``take_cell`` (one call a match: the cell's location and whether its
finding is made) held to the two calls it replaced, the table's ``location`` of the cell and
``take`` of that location: ``PreviewCut.take_cell`` and ``take_cell_settled`` answer as
``cut[n]`` then ``take`` / ``take_settled``, and a packed scan gives the same findings, the
same lists and the same cut either way."""

from __future__ import annotations

from itertools import accumulate

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import Scanner
from dlp.export.candidates import CandidateLocations, PreviewCut
from dlp.extract.celltable import packed
from dlp.identifiers import FILE_NAME
from dlp.model import Location

SIZE = 6


def _cut(
    names: list[bool],
    plain: list[bool],
    before: list[int],
    left: int,
    echoes: list[tuple[int, int]],
) -> PreviewCut:
    real = CandidateLocations()
    for number, name in enumerate(names):
        real.add(Location((f"{number}.csv",), part=FILE_NAME if name else None, row=number))
    plain = [flag and not name for flag, name in zip(plain, names, strict=True)]
    return PreviewCut(real, plain, before, left, echoes)


def _state(cut: PreviewCut) -> tuple[object, ...]:
    return (cut.open, cut.accepted, cut.closed, cut.lists, cut.counts, sorted(cut.owner.values()))


CUTS = {
    "names": st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    "plain": st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    "steps": st.lists(st.integers(0, 3), min_size=SIZE, max_size=SIZE),
    "left": st.integers(0, 8),
    "echoes": st.lists(st.tuples(st.integers(1, SIZE - 1), st.integers(0, SIZE - 1)), max_size=4),
}


@given(
    matches=st.lists(
        st.tuples(st.integers(0, SIZE - 1), st.sampled_from(["US_SSN", "PHONE_NUMBER"])),
        max_size=40,
    ),
    in_order=st.booleans(),
    **CUTS,
)
def test_take_cell_answers_as_location_then_take(
    matches: list[tuple[int, str]],
    in_order: bool,
    names: list[bool],
    plain: list[bool],
    steps: list[int],
    left: int,
    echoes: list[tuple[int, int]],
) -> None:
    if in_order:
        matches = sorted(matches, key=lambda match: match[0])
    before = list(accumulate(steps))
    echoes = sorted((after, min(first, after - 1)) for after, first in echoes)
    cut, as_before = (_cut(names, plain, before, left, echoes) for _ in range(2))
    for number, entity_type in matches:
        location = as_before[number]
        expected = location if as_before.take(entity_type, location) else None
        taken = cut.take_cell(entity_type, number)
        assert taken == expected and (taken is None) == (expected is None)
        if taken is not None:
            assert taken is cut.real[number] or cut.plain[number]
        assert _state(cut) == _state(as_before)


@given(
    matches=st.lists(
        st.tuples(st.integers(0, SIZE - 1), st.sampled_from(["US_SSN", "PERSON"])), max_size=30
    ),
    names=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    plain=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    left=st.integers(-2, 0),
)
def test_take_cell_settled_answers_as_take_settled(
    matches: list[tuple[int, str]], names: list[bool], plain: list[bool], left: int
) -> None:
    cut, as_before = (_cut(names, plain, [0] * SIZE, left, []) for _ in range(2))
    locations, expected_locations = cut.settled(), as_before.settled()
    assert locations is not None and expected_locations is not None
    for number, entity_type in matches:
        location = expected_locations[number]
        expected = location if as_before.take_settled(entity_type, location) else None
        taken = cut.take_cell_settled(entity_type, number)
        assert taken == expected and (taken is None) == (expected is None)
        if taken is not None:
            assert taken is locations[number]
        assert _state(cut) == _state(as_before)


# Cells with findings of several kinds (some folded: a full-width digit, a zero-width space).
CELLS = st.sampled_from(
    [
        "123-45-6789",
        "SSN 123-45-6789 and 987-65-4321",
        "(415) 555-0132",
        "kim@example.org",
        "04/12/2011",
        "１23-45-6789",
        "123-45-\u200b6789",
        "A",
        "",
        "no finding here",
    ]
)
HEADERS = st.sampled_from(["SSN", "Phone", "Birthdate", "Name", ""])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(st.tuples(CELLS, HEADERS), min_size=2, max_size=SIZE),
    names=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    plain=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    left=st.integers(0, 6),
)
def test_a_packed_scan_with_take_cell_finds_as_with_take(
    scanner: Scanner,
    cells: list[tuple[str, str]],
    names: list[bool],
    plain: list[bool],
    left: int,
) -> None:
    """As ``worker._cut_candidates`` asks: each way on a cut of its own, settled or not."""
    count = len(cells)
    texts, headers = [text for text, _ in cells], [header for _, header in cells]
    names, plain = names[:count], plain[:count]

    def scanned(one_call: bool) -> tuple[list[object], PreviewCut]:
        cut = _cut(names, plain, [0] * count, left, [])
        settled = cut.settled()
        locations = settled or cut
        segment = packed(texts, headers, locations)
        if one_call:
            asked = cut.take_cell if settled is None else cut.take_cell_settled
            return list(scanner.scan(segment, take_cell=asked)), cut
        take = cut.take if settled is None else cut.take_settled
        return list(scanner.scan(segment, take)), cut

    (found, cut), (expected, as_before) = scanned(True), scanned(False)
    assert found == expected
    # (each finding's location the object of its candidate, as the worker files them)
    assert [cut.owner[id(finding.location)] for finding in found] == [
        as_before.owner[id(finding.location)] for finding in expected
    ]
    assert _state(cut) == _state(as_before)
