"""Legacy Excel workbooks (.xls, BIFF8) through xlrd: every non-empty cell, located by sheet
and cell reference, with its column's header as context (packed: ``celltable``)."""

from __future__ import annotations

from collections.abc import Iterator

import xlrd

from dlp.extract.celltable import FIRST, NEVER_EARLY, TablePacker
from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.sheetxml import shown_number
from dlp.extract.source import Source
from dlp.extract.xlsx import column_letters
from dlp.model import Location, Segment, UnscannableReason


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    yield from workbook(source.read_all(), location, ctx)


def workbook(data: bytes, location: Location, ctx: Context) -> Iterator[Item]:
    """``data`` is a whole .xls file, or just its Workbook stream (an embedded workbook)."""
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, logfile=_Quiet(), formatting_info=False
        )
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise LimitExceeded(
                UnscannableReason.ENCRYPTED, "password-protected Excel workbook"
            ) from error
        raise
    # One packer for every sheet: blocks run on from one sheet to the next, as ``pack``'s do.
    table = TablePacker(location, first=FIRST if ctx.limits.early_blocks else NEVER_EARLY)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield from _sheet(book, sheet, location, table, ctx)
            book.unload_sheet(index)
    except Exception:
        # What was read before a stop (a timeout, a damaged sheet) is scanned, as it was
        # cell by cell.
        yield from table.blocks(final=True)
        raise
    finally:
        book.release_resources()
    yield from table.blocks(final=True)


def _sheet(
    book: xlrd.Book,
    sheet: xlrd.sheet.Sheet,
    location: Location,
    table: TablePacker,
    ctx: Context,
) -> Iterator[Segment]:
    """One sheet's cells into ``table``, giving its blocks as they fill up. The first row with
    any text names the columns; its own cells have no header."""
    table.rebase(location.with_detail(sheet=sheet.name))
    headers: dict[int, str] | None = None
    for row in range(sheet.nrows):
        if row % 1000 == 0:
            ctx.check_time()
        cells = [
            (column, _text(book, cell))
            for column, cell in enumerate(sheet.row(row))
            if cell.ctype not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
        ]
        cells = [(column, text) for column, text in cells if text]
        if not cells:
            continue
        first = headers is None
        if headers is None:
            headers = dict(cells)
        label = str(row + 1)
        for column, text in cells:
            table.add(
                text, "" if first else headers.get(column, ""), ref=column_letters(column + 1)
            )
            table.ref_rows.append(label)
        if table.full():
            yield from table.blocks()


def _text(book: xlrd.Book, cell: xlrd.sheet.Cell) -> str:
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        value = float(cell.value)
        # The shortest repr that reads back is still 17 digits for a computed value
        # (0.1 + 0.2 is 0.30000000000000004): shown as Excel shows it.
        return str(int(value)) if value.is_integer() else shown_number(repr(value))
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(cell.value)
        return f"{moment.month}/{moment.day}/{moment.year}"
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""
    return str(cell.value)


class _Quiet:
    """xlrd writes warnings to a log file; they are of no use here."""

    def write(self, text: str) -> int:
        return len(text)
