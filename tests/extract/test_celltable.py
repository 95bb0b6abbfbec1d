"""Packed tables stand for exactly the per-cell segments the readers used to give.

The reference is the per-cell readers and ``pack`` as they were (``tests/extract/percell.py``):
the cells a packed table stands for, the blocks ``pack`` makes of them, and so every finding
of ``dlp scan`` (location, offsets, context words, score) are the same.
"""

from __future__ import annotations

import csv
import datetime
import io
from itertools import accumulate
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, extract_bytes
from dlp.extract.celltable import GAP, CellLocations, TablePacker, cells_of
from dlp.extract.source import Source
from dlp.model import FILE_NAME_PART, Location, Segment, Unscannable, UnscannableReason
from dlp.packing import pack
from tests.extract import makers, percell

FRAGMENTS = [
    "536-22-1234",
    "Student ID",
    "4827163950",
    "IEP",
    "504 plan",
    "(559) 327-4410",
    "maria@gmail.com",
    "DOB",
    "03/14/2011",
    "B+",
    "SSN",
    "suspension",
    "Perm ID",
    "123 Main St",
    "x",
    "é",
    "",
    " ",
    "  ",
    "a,b",
    'say "hi"',
    "two\nlines",
    "\t",
]
CELL = st.lists(st.sampled_from(FRAGMENTS), max_size=3).map(" ".join) | st.text(max_size=8)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=6), min_size=0, max_size=25)
SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def csv_data(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def new_items(data: bytes, name: str, limits: Limits | None = None) -> list[Segment | Unscannable]:
    return list(extract_bytes(data, name, Location(path=(name,)), limits or Limits()))


def unfolded(items: list[Segment | Unscannable]) -> list[Segment | Unscannable]:
    return [
        one for item in items for one in (cells_of(item) if isinstance(item, Segment) else [item])
    ]


def findings(scanner, items) -> list:
    return [f for item in items if isinstance(item, Segment) for f in scanner.scan(item)]


@SLOW
@given(ROWS)
def test_csv_cells_and_findings_equal_the_per_cell_reader(scanner, rows):
    data = csv_data(rows)
    location = Location(path=("roster.csv",))
    old = list(percell.csv_cells(Source.from_bytes(data, "roster.csv"), location))
    new = new_items(data, "roster.csv")
    assert unfolded(new) == old
    assert list(pack(new)) == list(percell.pack(old))
    assert findings(scanner, pack(new)) == findings(scanner, percell.pack(old))


def test_csv_header_row_wide_rows_and_empty_headers_are_located_as_before():
    rows = [
        ["", " ", ""],
        ["Student ID", "", " Grade "],
        ["604822", "x", "B+", "extra"],
        ["", "  ", "", ""],
        ["604823", "", "A", "", "more"],
    ]
    data = csv_data(rows)
    old = list(percell.csv_cells(Source.from_bytes(data, "r.csv"), Location(path=("r.csv",))))
    (table,) = new_items(data, "r.csv")
    assert isinstance(table, Segment) and table.cells is not None
    assert list(cells_of(table)) == old
    assert [str(cell.location) for cell in cells_of(table)][-2:] == [
        "r.csv / row 5 / column Grade",
        "r.csv / row 5 / column column 5",
    ]


def sheet_rows(draw_rows: list[list[str]]) -> list[list[object]]:
    """Cells as openpyxl writes them: text, numbers, dates, booleans, blanks."""
    converted: list[list[object]] = []
    for row in draw_rows:
        out: list[object] = []
        for text in row:
            if text.isascii() and text.isdigit() and len(text) < 15:
                out.append(int(text))
            elif text == "03/14/2011":
                out.append(datetime.date(2011, 3, 14))
            elif text == "B+":
                out.append(True)
            else:  # XML cannot hold control characters: openpyxl refuses them
                kept = "".join(c for c in text if c >= " " or c == "\n")
                out.append(kept or None)
        converted.append(out)
    return converted


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ROWS, min_size=1, max_size=3), st.booleans())
def test_xlsx_cells_and_findings_equal_the_per_cell_reader(scanner, sheets, comment):
    import zipfile

    from openpyxl.comments import Comment

    from dlp.extract.context import Clocks, Context
    from dlp.extract.dispatch import extract_source

    def annotate(book) -> None:
        if comment:
            book.worksheets[0]["B2"].comment = Comment("SSN 536-22-1234", "teacher")

    data = xlsx_with(
        {f"Period {n}": sheet_rows(rows) for n, rows in enumerate(sheets, 1)}, annotate
    )
    location = Location(path=("grades.xlsx",))
    ctx = Context(Limits(), extract_source, Clocks())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        old = list(percell.xlsx_items(archive, location, ctx))
    new = new_items(data, "grades.xlsx")
    assert unfolded(new) == old
    assert list(pack(new)) == list(percell.pack(old))
    assert findings(scanner, pack(new)) == findings(scanner, percell.pack(old))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ROWS, min_size=1, max_size=3), st.booleans())
def test_xls_cells_and_findings_equal_the_per_cell_reader(scanner, sheets, long_cell):
    import xlwt

    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="M/D/YYYY")
    for number, rows in enumerate(sheets, 1):
        sheet = book.add_sheet(f"Period {number}")
        for row_number, row in enumerate(sheet_rows(rows)):
            for column, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write(row_number, column, value, dates)
                elif value is not None:
                    sheet.write(row_number, column, value)
        if long_cell:  # longer than a block's small cell: a segment of its own
            sheet.write(len(rows) + 1, 0, "SSN 536-22-1234 " * 300)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    location = Location(path=("grades.xls",))
    old = list(percell.xls_cells(data, location))
    new = new_items(data, "grades.xls")
    assert unfolded(new) == old
    assert list(pack(new)) == list(percell.pack(old))
    assert findings(scanner, pack(new)) == findings(scanner, percell.pack(old))


def ods_cell(text: str, repeat: int) -> str:
    """A cell as LibreOffice writes it: shown text in paragraphs, or a typed value only."""
    spread = f" table:number-columns-repeated='{repeat}'" if repeat > 1 else ""
    if text.isascii() and text.isdigit():
        return f"<table:table-cell{spread} office:value-type='float' office:value='{text}'/>"
    paragraphs = "".join(
        f"<text:p>{escape(line)}</text:p>" for line in text.split("\n") if line or text
    )
    return f"<table:table-cell{spread}>{paragraphs}</table:table-cell>"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(ROWS, st.lists(st.integers(1, 3), min_size=60, max_size=60)),
        min_size=1,
        max_size=3,
    )
)
def test_ods_cells_and_findings_equal_the_per_cell_reader(scanner, sheets):
    tables = []
    for number, (rows, repeats) in enumerate(sheets, 1):
        body = []
        for index, row in enumerate(rows):
            kept = ["".join(c for c in cell if c >= " " or c == "\n") for cell in row]
            cells = "".join(
                ods_cell(cell, repeats[(index + column) % 60]) for column, cell in enumerate(kept)
            )
            spread = repeats[index % 60]
            rows_repeated = f" table:number-rows-repeated='{spread}'" if spread > 1 else ""
            body.append(f"<table:table-row{rows_repeated}>{cells}</table:table-row>")
        tables.append(f"<table:table table:name='Period {number}'>{''.join(body)}</table:table>")
    content = makers.ods_content("".join(tables))
    data = makers.ods("".join(tables))
    location = Location(path=("grades.ods",))
    old = list(percell.ods_cells(io.BytesIO(content), location))
    new = new_items(data, "grades.ods")
    assert unfolded(new) == old
    assert list(pack(new)) == list(percell.pack(old))
    assert findings(scanner, pack(new)) == findings(scanner, percell.pack(old))


def xlsx_with(sheets: dict[str, list[list[object]]], annotate) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    annotate(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_nested_table_after_its_file_name_packs_as_before(scanner):
    """A member's name comes first, so the readers' blocks and ``pack``'s no longer line up:
    ``pack`` takes the table's cells one by one and still makes the same blocks."""
    rows = [["Student ID", "Name", "Notes"]] + [
        [str(4827163950 + n * 7919), f"Student {n}", "has an IEP" if n % 7 else "x" * 5000]
        for n in range(9000)
    ]
    data = makers.zip_of({"Student IDs.csv": csv_data(rows)})
    location = Location(path=("a.zip",))
    new = new_items(data, "a.zip")
    assert any(isinstance(item, Segment) and item.cells for item in new)
    old = unfolded(new)
    member = Location(path=("a.zip", "Student IDs.csv"))
    assert old[0] == Segment("Student IDs.csv", member.with_detail(part="file name"))
    reference = list(percell.csv_cells(Source.from_bytes(csv_data(rows), "x.csv"), member))
    assert old[1:] == reference
    packed = list(pack(new))
    assert packed == list(percell.pack(old))
    assert len(packed) > 3 and location.path[0] == packed[0].location.path[0]
    assert findings(scanner, packed) == findings(scanner, percell.pack(old))


CELLS = st.lists(st.tuples(st.integers(0, 2), st.text("ab ", max_size=9)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    CELLS,
    st.integers(1, 40),
    st.integers(0, 12),
    st.integers(1, 40),
    st.integers(0, 12),
    st.sampled_from([None, "text", "file name"]),
    st.integers(1, 120),
)
def test_blocks_are_packs_blocks_whatever_the_packer_block(
    cells, block, small, pack_block, pack_small, first_part, first
):
    """Cells of one or more sheets (0, 1, 2), cut by a packer whose block may or may not be
    ``pack``'s, handing over pieces of blocks while young (``first``), with a plain segment
    before: ``pack`` makes the blocks it made of the cells one by one. Behind the file's name
    a table that does not fit whole starts its own block (`dlp.packing`): the same cells in
    the same order, in other blocks."""
    base = Location(path=("f.xlsx",))
    packer = TablePacker(base, block=block, small=small, first=first)
    items: list[Segment | Unscannable] = []
    old: list[Segment | Unscannable] = []
    if first_part is not None:
        items.append(Segment("f.xlsx", base.with_detail(part=first_part)))
        old.append(items[0])
    sheet = -1
    for number, (which, text) in enumerate(cells, 1):
        if which != sheet:
            sheet = which
            packer.rebase(Location(path=base.path, sheet=f"S{sheet}"))
        header = "H" if number % 3 else ""
        packer.add(text, header, ref=f"A{number}")
        old.append(
            Segment(
                text,
                Location(
                    path=base.path, sheet=f"S{sheet}", cell=f"A{number}", column=header or None
                ),
                header,
            )
        )
        if packer.full() or number % 11 == 0:
            items.extend(packer.blocks())
    items.extend(packer.blocks(final=True))
    broken = Unscannable(base, UnscannableReason.CORRUPT)
    items.append(broken)
    old.append(broken)
    assert unfolded(items) == old
    for item in items:
        if isinstance(item, Segment) and item.cells is not None:
            cells_total = sum(
                e - s for s, e in zip(item.cells.starts, item.cells.ends, strict=True)
            )
            assert len(item.text) == cells_total + GAP * (len(item.cells) - 1)
    if first_part == FILE_NAME_PART:
        assert unfolded(list(pack(items, pack_small, pack_block))) == unfolded(
            list(percell.pack(old, pack_small, pack_block))
        )
        return
    assert list(pack(items, pack_small, pack_block)) == list(
        percell.pack(old, pack_small, pack_block)
    )
    if (small, block) == (pack_small, pack_block):
        # Cut by the same rule, the blocks of a young table come in pieces pack joins back;
        # once grown, they are pack's own and pass through as they are.
        assert list(pack(items, small, block)) == list(percell.pack(old, small, block))


@settings(max_examples=60, deadline=None)
@given(ROWS, st.integers(0, 400))
def test_character_budget_keeps_the_cells_that_fit_as_before(rows, budget):
    data = csv_data(rows)
    old = list(percell.csv_cells(Source.from_bytes(data, "r.csv"), Location(path=("r.csv",))))
    totals = list(accumulate(len(cell.text) for cell in old))
    kept = [cell for cell, total in zip(old, totals, strict=True) if total <= budget]
    new = unfolded(new_items(data, "r.csv", Limits(max_chars=budget)))
    if totals and totals[-1] > budget:
        assert new[:-1] == kept
        assert isinstance(new[-1], Unscannable)
        assert new[-1].reason is UnscannableReason.TOO_LARGE
    else:
        assert new == old


def test_cell_locations_are_made_on_demand_and_compare_as_a_list():
    base = Location(path=("r.csv",))
    locations = CellLocations([(0, base)], ["ID", "", "column 3"], rows=[2, 2, 3])
    expected = [
        Location(path=("r.csv",), row=2, column="ID"),
        Location(path=("r.csv",), row=2),
        Location(path=("r.csv",), row=3, column="column 3"),
    ]
    assert list(locations) == expected and locations == expected
    assert locations[1:] == expected[1:] and locations[-1] == expected[-1]
    assert len(locations[2:1]) == 0
