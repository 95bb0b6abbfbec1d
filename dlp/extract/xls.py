"""Legacy Excel workbooks (.xls, BIFF8) through xlrd: one segment per non-empty cell."""

from __future__ import annotations

from collections.abc import Iterator

import xlrd

from dlp.extract.context import Context, Item, LimitExceeded
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
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield from _sheet(book, sheet, location, ctx)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _sheet(
    book: xlrd.Book, sheet: xlrd.sheet.Sheet, location: Location, ctx: Context
) -> Iterator[Segment]:
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
        for column, text in cells:
            header = "" if first else headers.get(column, "")
            where = location.with_detail(
                sheet=sheet.name,
                cell=f"{column_letters(column + 1)}{row + 1}",
                column=header or None,
            )
            yield Segment(text, where, header)


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
