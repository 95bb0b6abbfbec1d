"""Excel workbooks (.xlsx/.xlsm): every sheet, hidden ones too, every non-empty cell located
by sheet and cell reference, with its column's header as context (packed: ``celltable``).

The header of a column is the text in the first row of the sheet that has any text.
Dates are stored as numbers and shown the way Excel shows its default date format
(m/d/yyyy), because that is what date recognisers look for. Other numbers are shown with the
15 significant digits Excel keeps (see ``sheetxml.shown_number``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from bisect import bisect_right
from collections.abc import Generator, Iterator
from contextlib import closing
from itertools import repeat

import numpy as np

from dlp.extract import ooxml, sharedstrings
from dlp.extract.celltable import FIRST, GAP, NEVER_EARLY, NumberedRefs, TablePacker
from dlp.extract.context import Context, Item
from dlp.extract.sheetxml import (
    _CELL,
    _CELL_REF,
    _ROW,
    RowBlock,
    S,
    _column_names,
    _resolved,
    column_letters,
    forget_strings,
    sheet_blocks,
    whole_sheet_blocks,
)
from dlp.extract.sheetxml import cell_text as _cell_text
from dlp.extract.xmlparse import iterparse, release, small_tree_elements
from dlp.model import Location, Segment

_REL_ID = "{" + ooxml.REL_NS + "}id"
_TEXT, _PHONETIC = S + "t", S + "rPh"
# Re-exported: the per-cell reference reader in the tests reads sheets with these.
__all__ = ["_CELL", "_CELL_REF", "_ROW", "_cell_text", "column_letters", "extract"]
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_DATE_CODE = re.compile(r"(?<![\\\"])[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]')
_COMMENTS = re.compile(r"xl/comments\d*\.xml")


def extract(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    strings = _shared_strings(archive, ctx)
    date_styles = _date_styles(archive, ctx)
    # One packer for every sheet: blocks run on from one sheet to the next, as ``pack``'s do.
    table = TablePacker(
        Location(path=location.path), first=FIRST if ctx.limits.early_blocks else NEVER_EARLY
    )
    # A block of every cell gathered takes the lists themselves: ``sheet_cells`` takes the
    # packer's lists again after each hand-over.
    table.handed_whole = True
    try:
        for sheet_name, part in _sheets(archive, ctx):
            if part in archive.NameToInfo:
                yield from sheet_cells(archive, part, sheet_name, strings, date_styles, table, ctx)
    except Exception:
        # What was read before a stop (a timeout, a damaged sheet) is scanned, as it was
        # cell by cell.
        yield from table.blocks(final=True)
        raise
    finally:
        forget_strings()
    yield from table.blocks(final=True)
    yield from _comments(archive, location, ctx)
    yield from ooxml.loose_text(archive, location, ctx)
    yield from ooxml.embedded(archive, location, ctx)


def _sheets(archive: zipfile.ZipFile, ctx: Context) -> list[tuple[str, str]]:
    """Each sheet's name and part, in the workbook's order: remembered by the bytes of the
    workbook part and its relationships, which the files of one export share by the
    hundred (one template, one writer), and which alone decide them. Parsing both cost more
    than reading them, for every file."""
    parts = _workbook_parts(archive, ctx)
    if parts is None:
        return _read_sheets(archive, ctx)
    known = _SHEET_LISTS.get(parts)
    if known is None:
        # A workbook not seen before is read from the bytes already read (a drive's own
        # workbooks rarely repeat: reading the parts twice would cost more than it saves).
        listed = _parsed_sheets(*parts)
        known = tuple(listed if listed is not None else _read_sheets(archive, ctx))
        if len(_SHEET_LISTS) >= _MAX_SHEET_LISTS:
            _SHEET_LISTS.clear()
        _SHEET_LISTS[parts] = known
    return list(known)


_WORKBOOK, _WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
# Workbooks remembered (``_sheets``), each by two parts of at most _REMEMBERED_PART bytes.
_SHEET_LISTS: dict[tuple[bytes, bytes], tuple[tuple[str, str], ...]] = {}
_MAX_SHEET_LISTS = 256
_REMEMBERED_PART = 8 * 1024


def _workbook_parts(archive: zipfile.ZipFile, ctx: Context) -> tuple[bytes, bytes] | None:
    """The workbook part's bytes and its relationships', when both are there and small;
    None otherwise, or where reading either fails (then ``_read_sheets`` reads them, and
    raises as it always did)."""
    infos = archive.NameToInfo
    found: list[bytes] = []
    for name in (_WORKBOOK, _WORKBOOK_RELS):
        info = infos.get(name)
        if info is None or info.file_size > _REMEMBERED_PART:
            return None
        try:
            data = ooxml.read_whole(archive, name, ctx, _REMEMBERED_PART)
            if data is None:
                with ooxml.open_part(archive, name, ctx) as stream:
                    data = stream.read(_REMEMBERED_PART + 1)
        except Exception:
            return None
        if len(data) > _REMEMBERED_PART:
            return None
        found.append(data)
    return found[0], found[1]


def _parsed_sheets(workbook: bytes, rels: bytes) -> list[tuple[str, str]] | None:
    """``_read_sheets`` of parts whose bytes were read (``_workbook_parts``), as
    ``ooxml.relationships`` and ``ooxml.tagged`` read a small part; None where they would
    read it another way (a part that does not parse whole: ``iterparse`` then)."""
    relations = small_tree_elements(rels, ooxml.PKG_REL) if rels else None
    listed = small_tree_elements(workbook, S + "sheet") if workbook else None
    if relations is None or listed is None:
        return None
    targets = ooxml.relationship_targets(relations, posixpath.dirname(_WORKBOOK))
    sheets: list[tuple[str, str]] = []
    for element in listed:
        found = targets.get(element.get(_REL_ID, ""))
        if found:
            sheets.append((element.get("name", found), found))
    return sheets


def _read_sheets(archive: zipfile.ZipFile, ctx: Context) -> list[tuple[str, str]]:
    rels = ooxml.relationships(archive, "xl/workbook.xml", ctx)
    sheets: list[tuple[str, str]] = []
    for element in ooxml.tagged(archive, "xl/workbook.xml", S + "sheet", ctx):
        target = rels.get(element.get(_REL_ID, ""))
        if target:
            sheets.append((element.get("name", target), target))
    return sheets


def _shared_strings(archive: zipfile.ZipFile, ctx: Context) -> list[str]:
    name = "xl/sharedStrings.xml"
    if name not in archive.NameToInfo:
        return []
    with ooxml.open_part(archive, name, ctx) as stream:
        data = stream.read()
    quick = plain_shared_strings(data)
    ctx.check_time()
    if quick is not None:
        return quick
    strings: list[str] = []
    for _, element in iterparse(io.BytesIO(data), tags=[S + "si"]):
        for phonetic in element.iter(_PHONETIC):
            phonetic.clear()
        strings.append("".join(t.text or "" for t in element.iter(_TEXT)))
        release(element)
        if len(strings) % 10_000 == 0:
            ctx.check_time()
    return strings


# The shared strings as Excel and LibreOffice write most of them: one plain <t> in each <si>,
# in a UTF-8 part whose root declares the main namespace as the default.
_SST_ROOT = re.compile(
    r'(?:<\?xml version="1\.0"(?: encoding="(?:UTF|utf)-8")?(?: standalone="yes")? ?\?>)?'
    r'\s*<sst((?:\s+[\w:]+="[^"<&]*")*)\s*>'
)
_SST_ITEMS = re.compile(r'(?:\s*<si><t(?: xml:space="preserve")?>[^<]*</t></si>)*+\s*</sst>\s*')
_SST_TEXT = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>')
_ATTRIBUTE_NAME = re.compile(r'([\w:]+)="')
# What an XML parser refuses in text (``plain_shared_strings`` leaves it to lxml to say so):
# characters XML cannot hold, "]]>", and any "&" that is not one of the five named entities
# (character references included, to keep their rules lxml's).
_NOT_PLAIN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|]]>|&(?!(?:amp|lt|gt|quot|apos);)"
)
_MAIN = f'xmlns="{S[1:-1]}"'
_LONGEST = 1_000_000  # characters: a longer text goes to lxml, which has its own limit


def plain_shared_strings(data: bytes) -> list[str] | None:
    """The strings of a shared-strings part by regular expressions, or None unless the whole
    part has the plain shape (``_SST_ROOT``, then only ``_SST_ITEMS``): rich text, phonetic
    runs, comments, other encodings and anything an XML parser would refuse go to lxml.
    Some 3 microseconds a string with lxml, a few tenths of one here: Excel keeps every text
    cell of a workbook in this part."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    root = _SST_ROOT.match(text)
    if root is None or _MAIN not in root.group(1):
        return None
    names = _ATTRIBUTE_NAME.findall(root.group(1))
    if len(names) != len(set(names)):
        return None
    read = _kernel_strings(data, len(text[: root.end()].encode("utf-8")))
    if read is not None:
        strings, longest = read
        # A text is no longer in characters than in bytes: most parts need no measuring.
        if longest > _LONGEST and max(map(len, strings)) > _LONGEST:
            return None
    else:
        if not _SST_ITEMS.fullmatch(text, root.end()):
            return None
        if _NOT_PLAIN_TEXT.search(text, root.end()):
            return None
        strings = _SST_TEXT.findall(text, root.end())
        if strings and max(map(len, strings)) > _LONGEST:
            return None
    if "&" in text or "\r" in text:
        strings = [_resolved(string) for string in strings]
    return strings


def _kernel_strings(data: bytes, start: int) -> tuple[list[str], int] | None:
    """The part's strings from byte ``start`` by the compiled reader (`sharedstrings`), and
    the longest one's bytes; None without numba or where it gives up."""
    kernel = sharedstrings.compiled()
    if kernel is None:
        return None
    text = np.empty(len(data) + 1, dtype=np.uint8)
    count, written, longest = kernel(data, start, text)
    if count == sharedstrings.NOT_UNDERSTOOD:
        return None
    strings = str(text[:written].data, "utf-8").split("<")
    strings.pop()  # after the last text's "<"
    return strings, longest


def _date_styles(archive: zipfile.ZipFile, ctx: Context) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date."""
    name = "xl/styles.xml"
    if name not in archive.NameToInfo:
        return frozenset()
    custom: dict[int, bool] = {}
    styles: list[int] = []
    with ooxml.open_part(archive, name, ctx) as stream:
        for _, element in iterparse(stream, tags=[S + "numFmt", S + "cellXfs"]):
            if element.tag == S + "numFmt":
                code = _QUOTED.sub("", element.get("formatCode", ""))
                custom[int(element.get("numFmtId", "0"))] = bool(_DATE_CODE.search(code))
            else:
                styles = [int(xf.get("numFmtId", "0")) for xf in element.iter(S + "xf")]
                release(element)
    return frozenset(
        index for index, fmt in enumerate(styles) if custom.get(fmt, fmt in _BUILTIN_DATE_FORMATS)
    )


# A sheet up to this size is read whole (``ooxml.read_whole``), no more than its reader
# holds of a streamed sheet at a time (``sheetxml._BLOCK``).
_WHOLE_SHEET = 1024 * 1024


def sheet_cells(
    archive: zipfile.ZipFile,
    part: str,
    sheet: str,
    strings: list[str],
    date_styles: frozenset[int],
    table: TablePacker,
    ctx: Context,
) -> Iterator[Segment]:
    """One sheet's cells into ``table``, giving its blocks as they fill up.

    A block of rows at a time: each cell's reference is its column and its row's number (the
    row's own, or one more than the row before), its context its column's header.
    """
    table.rebase(Location(path=table.bases[0][1].path, sheet=sheet))
    texts, contexts = table.texts, table.headers
    # Each cell's reference by its column's and row's numbers (``NumberedRefs``).
    numbered = table.numbered
    if numbered is None:
        numbered = table.numbered = NumberedRefs()
    headers: dict[str, str] | None = None
    row_number = 0
    blocks = _sheet_blocks(archive, part, strings, date_styles, ctx)
    with closing(blocks):
        for block in blocks:
            numbers = block.numbers
            counted: list[int] | None = None  # each row's number, where some row has none
            if not block.all_numbered and None in numbers:
                counted = []
                for numbered_row in numbers:
                    row_number = numbered_row if numbered_row is not None else row_number + 1
                    counted.append(row_number)
            else:
                row_number = numbers[-1] if numbers else row_number  # type: ignore[assignment]
            cell_texts = block.texts
            if not cell_texts:
                continue
            column_numbers, row_indexes = block.column_numbers, block.row_indexes
            names: tuple[str, ...] = ()
            if column_numbers is not None:
                last = block.last_column
                names = _column_names(last if last >= 0 else int(column_numbers.max()))
            first = 0
            if headers is None:
                # The first row with any cell names the columns; its own cells have no header.
                first = _first_row_cells(block)
                if column_numbers is not None and row_indexes is not None:
                    named = [names[number] for number in column_numbers[:first].tolist()]
                else:
                    named = block.columns[:first]
                headers = dict(zip(named, cell_texts[:first], strict=True))
                contexts.extend(repeat("", first))
            texts.extend(cell_texts)
            if column_numbers is not None and row_indexes is not None:
                # By column number and row index, a whole block at a time.
                by_number = np.array([headers.get(name, "") for name in names], dtype=object)
                below = column_numbers[first:]
                contexts.extend(by_number[below].tolist())
                numbered.add(column_numbers, _row_numbers(counted, block)[row_indexes])
                table.tell_headers(_distinct_headers(by_number, below, first), len(cell_texts))
            else:
                columns = block.columns
                contexts.extend(map(headers.get, columns[first:], repeat("")))
                rows = counted if counted is not None else numbers
                # (as Python ints: an lxml-read sheet's numbers may be past int64's)
                numbered.add(
                    np.array(list(map(_column_number, columns)), dtype=object),
                    np.array(list(map(rows.__getitem__, block.cell_rows)), dtype=object),
                )
            # Measured once, here: the packer cuts its blocks by these rather than by
            # measuring every text again.
            lengths = block.lengths
            if lengths is None:
                lengths = np.fromiter(map(len, cell_texts), dtype=np.int64, count=len(cell_texts))
            table.lengths.append(lengths)
            total = block.total_length
            table.size += (total if total >= 0 else int(lengths.sum())) + GAP * len(cell_texts)
            if table.full():
                yield from table.blocks()
                # (new lists, when a block took the old ones: ``handed_whole``)
                texts, contexts = table.texts, table.headers
            ctx.check_time()


def _sheet_blocks(
    archive: zipfile.ZipFile,
    part: str,
    strings: list[str],
    date_styles: frozenset[int],
    ctx: Context,
) -> Generator[RowBlock, None, None]:
    """The sheet's blocks of rows: read whole where the part allows (``ooxml.read_whole``),
    else streamed."""
    whole = ooxml.read_whole(archive, part, ctx, _WHOLE_SHEET)
    if whole is not None:
        yield from whole_sheet_blocks(whole, strings, date_styles)
        return
    with ooxml.open_part(archive, part, ctx) as stream:
        yield from sheet_blocks(stream, strings, date_styles)


def _row_numbers(counted: list[int] | None, block: RowBlock) -> np.ndarray:
    """Each row's number (int64), by the row's index in the block: ``counted`` when some
    row had none (one more than the row before), else the numbers the rows gave."""
    if counted is None and block.row_numbers is not None:
        return block.row_numbers  # (every one given: none is -1)
    numbers = counted if counted is not None else block.numbers
    try:
        return np.array(numbers, dtype=np.int64)
    except OverflowError:  # (counted on from a number past int64 an lxml block read)
        return np.array(numbers, dtype=object)


def _column_number(letters: str) -> int:
    """Column letters' number ("A" = 1, "AA" = 27): ``column_letters`` undone."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _distinct_headers(by_number: np.ndarray, below: np.ndarray, first: int) -> set[str]:
    """The distinct headers of a block's cells: those of the columns its cells below the
    header row are in (``below``, by number; ``by_number``: each number's header), and ""
    for the header row's own ``first`` cells. Told to the packer by columns, a few, rather
    than made by it from every cell's header."""
    distinct: set[str] = set(by_number[np.bincount(below).nonzero()[0]].tolist())
    if first:
        distinct.add("")
    return distinct


def _first_row_cells(block: RowBlock) -> int:
    """How many of the block's cells are in its first row that has any (rows ascend)."""
    if block.row_indexes is not None:
        rows = block.row_indexes
        # (the array's own method: ``np.searchsorted`` costs some 3 us more to dispatch)
        return int(rows.searchsorted(rows[0], "right"))
    return bisect_right(block.cell_rows, block.cell_rows[0])


def _comments(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Segment]:
    for name in sorted(archive.NameToInfo):
        if _COMMENTS.fullmatch(name):
            with ooxml.open_part(archive, name, ctx) as stream:
                for _, element in iterparse(stream, tags=[S + "comment"]):
                    text = ooxml.text_of(element).strip()
                    if text:
                        yield Segment(
                            text, location.with_detail(part="comment", cell=element.get("ref"))
                        )
                    release(element)
