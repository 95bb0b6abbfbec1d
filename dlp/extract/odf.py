"""OpenDocument files (.odt/.ods/.odp and their templates), streamed from content.xml.

Spreadsheets give one segment per non-empty cell like xlsx; presentations give the page
number; text documents give paragraphs.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from dlp.extract.celltable import FIRST, NEVER_EARLY, TablePacker
from dlp.extract.context import Context, Item
from dlp.extract.images import document_images
from dlp.extract.limits import LimitExceeded
from dlp.extract.members import check_member
from dlp.extract.sheetxml import shown_number
from dlp.extract.xlsx import column_letters
from dlp.extract.xmlparse import iterparse, release
from dlp.model import Location, Segment, UnscannableReason

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_MANIFEST_ENCRYPTION = b"encryption-data"


def is_odf(archive: zipfile.ZipFile) -> bool:
    return archive.read("mimetype")[:80].startswith(b"application/vnd.oasis.opendocument")


def extract(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    if "META-INF/manifest.xml" in archive.NameToInfo:
        check_member(archive.getinfo("META-INF/manifest.xml"), ctx, ctx.limits.max_file_bytes)
        if _MANIFEST_ENCRYPTION in archive.read("META-INF/manifest.xml"):
            raise LimitExceeded(UnscannableReason.ENCRYPTED, "password-protected OpenDocument file")
    mimetype = archive.read("mimetype").decode("ascii", "replace")
    check_member(archive.getinfo("content.xml"), ctx, ctx.limits.max_file_bytes)
    with archive.open("content.xml") as stream:
        if "spreadsheet" in mimetype:
            yield from _spreadsheet(stream, location, ctx)
        else:
            yield from _document(stream, location, ctx, pages="presentation" in mimetype)
    # Page headers and footers live in the master pages of styles.xml ("Confidential: IEP of
    # ..."), the title and keywords in meta.xml: content too.
    for name, part in (("styles.xml", "headers and footers"), ("meta.xml", "properties")):
        if name in archive.NameToInfo:
            check_member(archive.getinfo(name), ctx, ctx.limits.max_file_bytes)
            with archive.open(name) as stream:
                where = location.with_detail(part=part)
                if name == "meta.xml":
                    yield from _properties(stream, where)
                else:
                    yield from _document(stream, where, ctx, pages=False)
    yield from document_images(archive, location, ctx)


_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_PROPERTIES = (
    _DC + "title",
    _DC + "subject",
    _DC + "description",
    _META + "keyword",
    _META + "user-defined",
)


def _properties(stream: Any, location: Location) -> Iterator[Segment]:
    texts = []
    for _, element in iterparse(stream, tags=list(_PROPERTIES), events=("end",)):
        if element.text and element.text.strip():
            texts.append(element.text.strip())
        release(element)
    if texts:
        yield Segment("\n".join(texts), location)


def paragraph_text(element: Any) -> str:
    """Text of a paragraph with ODF's space, tab and line-break elements put back."""
    pieces: list[str] = []
    _collect(element, pieces)
    return "".join(pieces)


def _collect(element: Any, pieces: list[str]) -> None:
    if element.text:
        pieces.append(element.text)
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            pieces.append(" " * int(child.get(TEXT + "c", "1") or 1))
        elif tag == TEXT + "tab":
            pieces.append("\t")
        elif tag == TEXT + "line-break":
            pieces.append("\n")
        elif tag != TEXT + "note-citation":
            _collect(child, pieces)
        if child.tail:
            pieces.append(child.tail)


def _document(stream: Any, location: Location, ctx: Context, pages: bool) -> Iterator[Segment]:
    page = 0
    here = location
    pieces: list[str] = []
    size = 0
    events = iterparse(
        stream, tags=[TEXT + "p", TEXT + "h", DRAW + "page"], events=("start", "end")
    )
    depth = 0
    for event, element in events:
        if element.tag == DRAW + "page":
            if event == "start" and pages:
                if pieces:
                    yield Segment("".join(pieces), here)
                    pieces, size = [], 0
                page += 1
                here = location.with_detail(page=page)
            continue
        # Paragraphs nest (notes, frames): only the outermost one is read, once.
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth:
            continue
        text = paragraph_text(element)
        release(element)
        pieces.append(text + "\n")
        size += len(text) + 1
        if size >= ctx.limits.segment_chars:
            ctx.check_time()
            yield Segment("".join(pieces), here)
            pieces, size = [], 0
    if "".join(pieces).strip():
        yield Segment("".join(pieces), here)


def _spreadsheet(stream: Any, location: Location, ctx: Context) -> Iterator[Segment]:
    """Every sheet's cells, packed (``celltable``): one packer for every sheet, so blocks run
    on from one sheet to the next, as ``pack``'s do."""
    table = TablePacker(location, first=FIRST if ctx.limits.early_blocks else NEVER_EARLY)
    try:
        yield from _sheets(stream, location, table, ctx)
    except Exception:
        # What was read before a stop (a timeout, damaged XML) is scanned, as it was cell by
        # cell.
        yield from table.blocks(final=True)
        raise
    yield from table.blocks(final=True)


def _sheets(stream: Any, location: Location, table: TablePacker, ctx: Context) -> Iterator[Segment]:
    """The cells into ``table``, giving its blocks as they fill up. The first row of a sheet
    with any text names the columns; its own cells have no header."""
    row_number = 0
    headers: dict[str, str] | None = None
    tags = [TABLE + "table", TABLE + "table-row"]
    for event, element in iterparse(stream, tags=tags, events=("start", "end")):
        if element.tag == TABLE + "table":
            if event == "start":
                table.rebase(location.with_detail(sheet=element.get(TABLE + "name", "")))
                row_number, headers = 0, None
            else:
                release(element)
            continue
        if event == "start":
            continue
        repeat = _repeat(element.get(TABLE + "number-rows-repeated"))
        row_number += 1
        cells = _row_cells(element)
        release(element)
        if cells:
            first = headers is None
            if headers is None:
                headers = dict(cells)
            label = str(row_number)
            for letters, text in cells:
                table.add(text, "" if first else headers.get(letters, ""), ref=letters)
                table.ref_rows.append(label)
            if table.full():
                yield from table.blocks()
        row_number += repeat - 1
        if row_number % 1000 == 0:
            ctx.check_time()


def _repeat(value: str | None) -> int:
    """A row's or cell's repeat count; at least 1. A file that says 0, -1 or "x" (no writer
    does) would otherwise number the next cells 0 or below, where no reference exists."""
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _row_cells(row: Any) -> list[tuple[str, str]]:
    cells: list[tuple[str, str]] = []
    column = 0
    for cell in row:
        if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
            continue
        repeat = _repeat(cell.get(TABLE + "number-columns-repeated"))
        column += 1
        text = "\n".join(paragraph_text(p) for p in cell.iter(TEXT + "p")).strip()
        if not text:  # no shown text (a file written by a program): the typed value
            value = cell.get(OFFICE + "value", "")
            text = shown_number(value) if value else cell.get(OFFICE + "date-value", "")
        if text:
            cells.append((column_letters(column), text))
        column += repeat - 1
    return cells
