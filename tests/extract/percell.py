"""The reference: the per-cell CSV and xlsx readers and ``pack`` as they were before tables
came packed (commit c021b05), kept verbatim so that the packed readers can be compared to
them. Not used by the product."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from dlp.extract import ooxml, xlsx
from dlp.extract.charset import guess_codec
from dlp.extract.context import Context, Item
from dlp.extract.delimited import _delimiter
from dlp.extract.odf import TABLE, _row_cells
from dlp.extract.source import Source
from dlp.extract.xmlparse import iterparse, release
from dlp.model import CellTable, Location, Segment, Unscannable

SEPARATOR = "\n" * 6
SMALL = 4096
BLOCK = 256 * 1024


def csv_cells(source: Source, location: Location) -> Iterator[Segment]:
    with source.open() as raw:
        sample = raw.read(64 * 1024)
        raw.seek(0)
        codec = guess_codec(sample)
        delimiter = _delimiter(sample.decode(codec, errors="replace"), source)
        reader = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        try:
            yield from _csv_rows(csv.reader(reader, delimiter=delimiter), location)
        finally:
            reader.detach()


def _csv_rows(rows: Iterator[list[str]], location: Location) -> Iterator[Segment]:
    path = location.path
    headers: list[str] | None = None
    for number, row in enumerate(rows, start=1):
        if headers is None:
            if any(cell.strip() for cell in row):
                headers = [cell.strip() for cell in row]
                for cell, header in zip(row, headers, strict=True):
                    if header:
                        yield Segment(cell, Location(path=path, row=number, column=header))
            continue
        width = len(headers)
        for index, cell in enumerate(row):
            if cell and not cell.isspace():
                header = headers[index] if index < width else ""
                column = header or f"column {index + 1}"
                yield Segment(cell, Location(path=path, row=number, column=column), header)


def xlsx_items(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    strings = xlsx._shared_strings(archive, ctx)
    date_styles = xlsx._date_styles(archive, ctx)
    for sheet_name, part in xlsx._sheets(archive, ctx):
        if part in archive.NameToInfo:
            yield from _sheet_segments(
                archive, part, sheet_name, strings, date_styles, location, ctx
            )
    yield from xlsx._comments(archive, location, ctx)
    yield from ooxml.loose_text(archive, location, ctx)
    yield from ooxml.embedded(archive, location, ctx)


def _sheet_segments(
    archive: zipfile.ZipFile,
    part: str,
    sheet: str,
    strings: list[str],
    date_styles: frozenset[int],
    location: Location,
    ctx: Context,
) -> Iterator[Segment]:
    headers: dict[str, str] | None = None
    path = location.path
    row_number = 0
    with ooxml.open_part(archive, part, ctx) as stream:
        for _, row in iterparse(stream, tags=[xlsx._ROW]):
            row_number = int(row.get("r") or row_number + 1)
            cells: list[tuple[str, str]] = []
            for column_number, cell in enumerate(row.iter(xlsx._CELL), start=1):
                reference = cell.get("r")
                if reference:
                    match = xlsx._CELL_REF.match(reference)
                    letters = match.group(1) if match else xlsx.column_letters(column_number)
                else:
                    letters = xlsx.column_letters(column_number)
                text = xlsx._cell_text(cell, strings, date_styles)
                if text:
                    cells.append((letters, text))
            release(row)
            if not cells:
                continue
            if headers is None:
                headers = dict(cells)
                for letters, text in cells:
                    yield Segment(
                        text, Location(path=path, sheet=sheet, cell=f"{letters}{row_number}")
                    )
                continue
            for letters, text in cells:
                header = headers.get(letters, "")
                yield Segment(
                    text,
                    Location(
                        path=path, sheet=sheet, cell=f"{letters}{row_number}", column=header or None
                    ),
                    header,
                )


def pack(
    items: Iterable[Segment | Unscannable], small: int = SMALL, block: int = BLOCK
) -> Iterator[Segment | Unscannable]:
    pending: list[Segment] = []
    size = 0
    for item in items:
        if isinstance(item, Segment) and len(item.text) <= small and not item.cells:
            if pending and (
                item.location.path != pending[0].location.path or size + len(item.text) > block
            ):
                yield _joined(pending)
                pending, size = [], 0
            pending.append(item)
            size += len(item.text) + len(SEPARATOR)
            continue
        if pending:
            yield _joined(pending)
            pending, size = [], 0
        yield item
    if pending:
        yield _joined(pending)


def _joined(segments: list[Segment]) -> Segment:
    if len(segments) == 1:
        return segments[0]
    starts, ends = [], []
    position = 0
    for segment in segments:
        end = position + len(segment.text)
        starts.append(position)
        ends.append(end)
        position = end + len(SEPARATOR)
    table = CellTable(
        base=segments[0].location,
        starts=starts,
        ends=ends,
        headers=[segment.context for segment in segments],
        locations=[segment.location for segment in segments],
    )
    text = SEPARATOR.join(segment.text for segment in segments)
    return Segment(text, segments[0].location, "", table)


def xls_cells(data: bytes, location: Location) -> Iterator[Segment]:
    """The .xls reader as it was before its cells came packed: one segment per cell."""
    import xlrd

    from dlp.extract.xls import _Quiet

    book = xlrd.open_workbook(
        file_contents=data, on_demand=True, logfile=_Quiet(), formatting_info=False
    )
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield from _xls_sheet(book, sheet, location)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _xls_sheet(book, sheet, location: Location) -> Iterator[Segment]:
    import xlrd

    from dlp.extract.xls import _text
    from dlp.extract.xlsx import column_letters

    headers: dict[int, str] | None = None
    for row in range(sheet.nrows):
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


def ods_cells(stream: Any, location: Location) -> Iterator[Segment]:
    """The ODS sheet reader as it was before its cells came packed: one segment per cell."""
    sheet = ""
    row_number = 0
    headers: dict[str, str] | None = None
    tags = [TABLE + "table", TABLE + "table-row"]
    for event, element in iterparse(stream, tags=tags, events=("start", "end")):
        if element.tag == TABLE + "table":
            if event == "start":
                sheet = element.get(TABLE + "name", "")
                row_number, headers = 0, None
            else:
                release(element)
            continue
        if event == "start":
            continue
        repeat = int(element.get(TABLE + "number-rows-repeated", "1") or 1)
        row_number += 1
        cells = _row_cells(element)
        release(element)
        if cells:
            if headers is None:
                headers = dict(cells)
                for letters, text in cells:
                    yield Segment(
                        text, location.with_detail(sheet=sheet, cell=f"{letters}{row_number}")
                    )
            else:
                for letters, text in cells:
                    header = headers.get(letters, "")
                    cell = location.with_detail(
                        sheet=sheet, cell=f"{letters}{row_number}", column=header or None
                    )
                    yield Segment(text, cell, header)
        row_number += repeat - 1
