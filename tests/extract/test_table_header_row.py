"""A table's header row is the whole table's, whichever block its cells are packed into.

The student-ID rule counts a cell under an "ID" column only when the table's header row also
names a student-record column ("Grade"; ``columns_with`` in ``recognizers/entities/
student_id.toml``). A table is scanned in blocks of cells (``dlp.extract.celltable``,
``dlp.packing``), so its findings must not depend on where the blocks are cut: a block holding
only the tail of a gradebook (only "ID" cells) is still a gradebook's.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract.celltable import BLOCK, NEVER_EARLY, TablePacker
from dlp.model import Location, Segment, Unscannable
from dlp.packing import pack

Row = tuple[str, int | None, str]  # name, student number (None: empty), grade ("": empty)

ROWS = st.lists(
    st.tuples(
        st.sampled_from(["Ana Ruiz", "Luis Kim", "Grace Quinn", ""]),
        st.one_of(st.none(), st.integers(100_000, 9_999_999)),
        st.sampled_from(["", "", "A", "B+", "78.5"]),
    ),
    min_size=1,
    max_size=12,
)


def sheets(
    tables: list[tuple[list[str], list[Row]]], block: int, small: int, named: bool
) -> Iterator[Segment | Unscannable]:
    """The tables as a spreadsheet reader hands them over (one sheet each, the first row the
    headers, which are the cells' context), then packed by ``pack``. ``named``: the reader
    names each sheet's columns when it reads its header row, and hands blocks over while
    reading; else it hands them over at the end."""
    packer = TablePacker(
        Location(("book.xlsx",)), block=block, small=small, first=NEVER_EARLY if named else 1
    )
    blocks: list[Segment | Unscannable] = []
    for number, (headers, rows) in enumerate(tables, 1):
        packer.rebase(Location(("book.xlsx",), sheet=f"S{number}"))
        for column, header in enumerate(headers):
            packer.add(header, "", ref=f"{'ABC'[column]}1")
        if named:
            packer.name_columns(headers)
        for row, values in enumerate(rows, 2):
            texts = (values[0], "" if values[1] is None else str(values[1]), values[2])
            for column, (header, text) in enumerate(zip(headers, texts, strict=True)):
                if text:
                    packer.add(text, header, ref=f"{'ABC'[column]}{row}")
            if named and packer.full():
                blocks.extend(packer.blocks())
    blocks.extend(packer.blocks(final=True))
    return pack(blocks, small, block)


def findings(scanner, tables, block: int, small: int, named: bool) -> set[tuple]:
    return {
        (f.location.sheet, f.location.cell, f.entity_type, f.start, f.end)
        for item in sheets(tables, block, small, named)
        if isinstance(item, Segment)
        for f in scanner.scan(item)
    }


@settings(max_examples=60, deadline=None)
@given(
    tables=st.lists(
        st.tuples(
            st.sampled_from([["Name", "ID", "Grade"], ["Name", "ID", "Qty"], ["", "ID", ""]]),
            ROWS,
        ),
        min_size=1,
        max_size=3,
    ),
    block=st.integers(20, 200),
    small=st.integers(8, 40),
    named=st.booleans(),
)
def test_a_tables_findings_are_the_same_whatever_the_block_size(
    scanner, tables, block, small, named
) -> None:
    """Small blocks against one block per sheet: the same findings. Sheets with and without
    a record column ("Grade"), and without headers, keep each its own header row."""
    assert findings(scanner, tables, block, small, named) == findings(
        scanner, tables, BLOCK, 4096, named
    )


def test_the_tail_of_a_gradebook_is_still_a_gradebooks(scanner) -> None:
    rows: list[Row] = [("Ana Ruiz", 5512345, "A")] + [("", 6612345 + n, "") for n in range(8)]
    whole = findings(scanner, [(["Name", "ID", "Grade"], rows)], BLOCK, 4096, named=False)
    assert len([f for f in whole if f[2] == "STUDENT_ID"]) == 9
    assert findings(scanner, [(["Name", "ID", "Grade"], rows)], 40, 16, named=False) == whole
