"""The worker's bookkeeping around detection, each shortcut held to the way it was done before:
owners found by bisection as by a list of every text's piece, ``take_settled`` as ``take``,
the memo's one-pass lookup and one-loop keep as a plain {(header, text): held} map, a file's
remembered masks as ``mask_name`` each time, and the configuration's remembered key."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from bisect import bisect_right
from itertools import pairwise, repeat

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import DetectionConfig
from dlp.export import cellmemo
from dlp.export.candidates import CandidateLocations, Owners, PreviewCut
from dlp.export.cellmemo import NOTHING, UNKNOWN, CellMemo, row_headers, rows_of, usable
from dlp.export.files import walk_export
from dlp.export.metadata import FileMeta
from dlp.export.worker import _GATES, Task, _MaskedNames, _Scan, config_key, scanner_for
from dlp.extract import Limits
from dlp.extract.celltable import packed
from dlp.identifiers import FILE_NAME
from dlp.model import CellTable, Location, Segment
from dlp.packing import Run
from tests.conftest import TEST_SECRET
from tests.export.test_cell_memo import TIMINGS, _Made
from tests.extract.makers import xlsx

# A piece of a batch: a plain segment (None) or a run of that many cells of a table.
PIECES = st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=1, max_size=6)


def _pieces(sizes: list[int | None]) -> list[Run]:
    pieces: list[Run] = []
    for number, size in enumerate(sizes):
        where = Location((f"f{number}.csv",))
        if size is None:
            pieces.append((Segment(f"text {number}", where), -1, -1))
            continue
        texts = [f"{number}.{cell}" for cell in range(size + 2)]
        if number % 2:  # each cell's location held outright (not one the memo may answer for)
            locations = [Location((f"f{number}.csv",), row=row) for row in range(size + 2)]
            table = packed(texts, list(repeat("Name", size + 2)), locations)
        else:
            starts = [4 * cell for cell in range(size + 2)]
            cells = CellTable(where, starts, [start + 3 for start in starts], ["Name"] * (size + 2))
            table = Segment("   \n" * (size + 2), where, "", cells)
        pieces.append((table, 1, size + 1))  # cells 1..size of a longer table
    return pieces


def _piece_list(pieces: list[Run]) -> list[int]:
    """Each text's piece, as ``Owners`` listed them before."""
    piece_of: list[int] = []
    for number, (_, lo, hi) in enumerate(pieces):
        piece_of.extend(repeat(number, 1 if lo < 0 else hi - lo))
    return piece_of


@given(sizes=PIECES, data=st.data())
def test_owners_by_bisection_are_those_of_the_list(sizes, data):
    pieces = _pieces(sizes)
    owners = Owners(pieces)
    piece_of = _piece_list(pieces)
    indexes = sorted(data.draw(st.sets(st.integers(0, len(piece_of) - 1), max_size=len(piece_of))))
    runs = owners._by_piece(indexes)
    assert [index for _, run in runs for index in run] == indexes
    for number, run in runs:
        assert {piece_of[index] for index in run} == {number}
    assert len({number for number, _ in runs}) == len(runs)
    for index in range(len(piece_of)):
        segment, lo, _ = pieces[piece_of[index]]
        expected = (
            segment.location
            if lo < 0
            else segment.cells.location(lo + index - piece_of.index(piece_of[index]))
        )
        assert owners.location_of(index) == expected
    never = {
        index
        for index, number in enumerate(piece_of)
        if pieces[number][1] < 0 or not usable(pieces[number][0].cells)
    }
    assert owners.unusable() == never


@given(
    calls=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(["US_SSN", "PERSON"])), max_size=30
    ),
    names=st.lists(st.booleans(), min_size=5, max_size=5),
    plain=st.lists(st.booleans(), min_size=5, max_size=5),
    before=st.lists(st.integers(0, 3), min_size=5, max_size=5),
    echoes=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=3),
    left=st.integers(-2, 0),
)
def test_take_settled_answers_as_take(calls, names, plain, before, echoes, left):
    """Candidate n is a file's name where ``names[n]`` (its findings always made)."""

    real = CandidateLocations()
    for number, name in enumerate(names):
        real.add(Location((f"{number}.csv",), part=FILE_NAME if name else None))

    def cut() -> PreviewCut:
        return PreviewCut(real, plain, before, left, sorted(echoes))

    asked, settled = cut(), cut()
    locations = asked.settled()
    assert locations is not None and settled.settled() == locations
    for number, entity_type in calls:
        location = locations[number]
        assert asked.take(entity_type, location) == settled.take_settled(entity_type, location)
        assert (asked.open, asked.accepted) == (settled.open, settled.accepted)
    assert asked.lists == settled.lists


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kept=st.lists(
        st.tuples(
            st.sampled_from(["Name", "Grade", ""]),
            st.sampled_from(["A", "B+", "Kim", "x" * 70, ""]),
            st.sampled_from([(), ("US_SSN",), ("PERSON", "PERSON")]),
        ),
        max_size=40,
    ),
    asked=st.lists(
        st.tuples(st.sampled_from(["Name", "Grade", "Room"]), st.sampled_from(["A", "Kim", "z"])),
        max_size=20,
    ),
    cap=st.integers(1, 8),
)
def test_the_memo_answers_as_a_plain_map(config, kept, asked, cap):
    cells = cellmemo.MAX_CELLS
    cellmemo.MAX_CELLS = cap
    try:
        _answers_as_a_map(CellMemo(scanner_for(config)), kept, asked, cap)
    finally:
        cellmemo.MAX_CELLS = cells


def _answers_as_a_map(
    memo: CellMemo,
    kept: list[tuple[str, str, tuple[str, ...]]],
    asked: list[tuple[str, str]],
    cap: int,
) -> None:
    model: dict[tuple[str, str], tuple[str, ...]] = {}
    found: set[tuple[str, str]] = set()
    headers = [header for header, _, _ in kept]
    texts = [text for _, text, _ in kept]
    memo.keep(headers, texts, ((index, held) for index, (_, _, held) in enumerate(kept)))
    for header, text, held in kept:  # as ``keep`` did, one cell at a time
        if len(text) > cellmemo.MAX_CHARS:
            continue
        if len(model) >= cap:
            model.clear()
            found.clear()
        model[header, text] = held or NOTHING
        if held:
            found.add((header, text))
    assert memo.size == len(model)
    assert memo.lookup([h for h, _ in asked], [t for _, t in asked]) == [
        model.get(key, UNKNOWN) for key in asked
    ]
    memo.forget_findings()
    for key in found:
        del model[key]
    assert memo.size == len(model)
    assert memo.lookup([h for h, _ in asked], [t for _, t in asked]) == [
        model.get(key, UNKNOWN) for key in asked
    ]


NAMES = st.sampled_from(["roster 536-22-1234.csv", "a@b.org", "Period 3", "Sheet1", "x", ""])


@given(
    path=st.lists(NAMES, max_size=4),
    sheet=st.none() | NAMES,
    column=st.none() | NAMES,
    part=st.none() | NAMES,
)
def test_remembered_masks_give_the_masked_location(path, sheet, column, part):
    mask = _MaskedNames().__getitem__
    location = Location(tuple(path), part=part, sheet=sheet, column=column, row=4)
    assert location.masked(mask) == location.masked()
    assert location.masked(mask) == location.masked()  # (from what it remembered)


def test_the_config_key_is_its_pickle_digest():
    first = DetectionConfig(secret=TEST_SECRET)
    second = DetectionConfig(secret=TEST_SECRET, score_threshold=0.5)
    for config in (first, second, first, DetectionConfig(secret=TEST_SECRET)):
        assert config_key(config) == hashlib.sha256(pickle.dumps(config)).hexdigest()
    assert config_key(first) != config_key(second)


@given(
    starts=st.lists(st.integers(0, 50), max_size=8).map(sorted),
    offset=st.integers(-2, 60),
)
def test_a_finding_is_placed_in_its_cell_as_before(starts, offset):
    cells = CellTable(Location(), starts, [start + 1 for start in starts])
    assert cells.index_of(offset) == max(0, bisect_right(starts, offset) - 1)


ROW = ["", "Room", "Period", "Teacher"]


@st.composite
def _batch(draw: st.DrawFn) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """Headers of tables' cells read row by row (a header row under "", rows, maybe cut, maybe
    uneven), their texts, and the pieces they come in."""
    headers: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        width = draw(st.integers(1, 3))
        if draw(st.booleans()):
            headers += [""] * width
        headers += ROW[1 : 1 + width] * draw(st.integers(0, 5))
        headers = headers[draw(st.integers(0, 2)) :]
        if draw(st.booleans()):
            headers.append(draw(st.sampled_from(ROW)))
    if not headers:
        headers = [""]
    texts = [draw(st.sampled_from(["A", "B", "310"])) for _ in headers]
    cuts = sorted(draw(st.sets(st.integers(1, max(len(headers) - 1, 1)), max_size=2)))
    bounds = [0, *[cut for cut in cuts if cut < len(headers)], len(headers)]
    return headers, texts, list(pairwise(bounds))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=_batch(), known=st.sets(st.tuples(st.sampled_from(ROW), st.sampled_from("AB"))))
def test_rows_tell_a_batch_known_to_hold_nothing_as_its_cells_do(config, batch, known):
    headers, texts, spans = batch
    memo = CellMemo(scanner_for(config))
    pairs = sorted(known)
    memo.keep([h for h, _ in pairs], [t for _, t in pairs], ((i, ()) for i in range(len(pairs))))
    rows = rows_of(headers, spans)
    if rows is None:
        return  # (looked up cell by cell)
    covered = [i for first, _, stop, _ in rows for i in range(first, stop)]
    assert covered == list(range(len(headers)))
    for first, lead, stop, row in rows:
        assert len(set(headers[first:lead])) <= 1
        assert headers[lead:stop] == [row[i % len(row)] for i in range(stop - lead)]
    assert set(row_headers(headers, rows)) == set(headers)
    assert memo.knows_nothing(headers, texts, rows) == all(
        held is NOTHING for held in memo.lookup(headers, texts)
    )


def test_a_sheet_after_another_in_one_batch_reads_as_rows():
    # A sheet's last cells from the middle of a row, the next one's header row, its rows.
    headers = ["Period", "Room", "Period", "", "", *["Room", "Period"] * 3]
    assert rows_of(headers, [(0, len(headers))]) == [
        (0, 1, 3, ["Room", "Period"]),
        (3, 5, 11, ["Room", "Period"]),
    ]
    assert rows_of(["Room", "Period", "Room", "Room", "Period", "Period"], [(0, 6)]) is None


def test_a_known_workbook_reads_as_one_scanned_cell_by_cell(tmp_path, config):
    """Batches known whole to hold nothing (a workbook's second reading, sheets after one
    another and a roster among them) end early: the result is a full scan's."""
    rooms = [["Room", "Period", "Course"]] + [
        [str(100 + n % 9), str(n % 7), "Math"] for n in range(300)
    ]
    ids = [["Student ID", "Grade"]] + [[str(4827163950 + n * 7919), "B+"] for n in range(40)]
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "a.xlsx").write_bytes(xlsx({"P1": rooms, "P2": rooms[:50], "IDs": ids, "P3": rooms}))
    (drive / "b.xlsx").write_bytes(xlsx({"P1": rooms, "P2": rooms[:50], "IDs": ids, "P3": rooms}))
    scanner = scanner_for(config)
    memo = CellMemo(scanner)
    gate = _GATES[config_key(config)]
    for file in sorted(walk_export(drive), key=lambda file: file.key):
        task = Task(file, FileMeta(), "unknown")
        remembered = dataclasses.asdict(_Scan(task, scanner, gate, Limits(), memo).run())
        scanned = dataclasses.asdict(_Made(task, scanner, gate, Limits(), None).run())
        for field in TIMINGS:
            del remembered[field], scanned[field]
        assert remembered == scanned
        assert remembered["counts"]
