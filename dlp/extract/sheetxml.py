"""The rows of one xlsx worksheet part: ``(row number or None, [(column letters, text), ...])``.

Two readers give the same rows. ``lxml_rows`` parses the XML element by element: correct for
any well-formed sheet, about 5 microseconds a cell. ``fast_rows`` reads the usual shape of a
sheet (no namespace prefix on its elements, UTF-8, no comments or CDATA) with regular
expressions over blocks of whole rows, several times faster; a block it cannot vouch for is
handed to lxml, wrapped in the sheet's own namespace declarations, and a sheet that does not
start the usual way is read by ``lxml_rows`` from the start. ``sheet_rows`` picks.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from dlp.extract.xmlparse import iterparse, release

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL, _ROW, _VALUE, _INLINE, _TEXT = S + "c", S + "row", S + "v", S + "is", S + "t"
_EPOCH = datetime.datetime(1899, 12, 30)
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")

Row = tuple[int | None, list[tuple[str, str]]]

_BLOCK = 1024 * 1024
_HEAD = 64 * 1024
# The root element's start tag, and the declarations on it a fragment needs to parse alone.
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_XMLNS = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')""")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([\w.-]+)["']""")
# What only lxml reads right: comments, CDATA, processing instructions, DTD parts.
_UNUSUAL = re.compile(rb"<!|<\?")
_ROW_ELEMENT = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row\s*>)", re.DOTALL)
_CELL_ELEMENT = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c\s*>)", re.DOTALL)
_ATTRIBUTE = re.compile(rb"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE_ELEMENT = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v\s*>|<v(?:\s[^>]*)?/>")
_INLINE_ELEMENT = re.compile(rb"<is(?:\s[^>]*)?>(.*?)</is\s*>", re.DOTALL)
_TEXT_ELEMENT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t\s*>")
_ROW_START = re.compile(rb"<row[\s/>]")  # not <rowBreaks>
_ELEMENT_NAME = re.compile(rb"<([\w.-]+:)?([\w.-]+)")
# Inside a row, only these elements (and a cell's own) are expected; anything else (an
# extension list, a prefixed element) sends the block to lxml.
_KNOWN_IN_ROW = frozenset({b"c", b"v", b"f", b"is", b"t", b"r", b"rPr", b"rPh", b"phoneticPr"})
_RUN_PROPERTIES = frozenset({
    b"rFont", b"charset", b"family", b"b", b"i", b"strike", b"outline", b"shadow",
    b"condense", b"extend", b"color", b"sz", b"u", b"vertAlign", b"scheme",
})


def sheet_rows(stream: IO[bytes], strings: list[str], date_styles: frozenset[int]
               ) -> Iterator[Row]:
    """The sheet's rows, by the fast reader where the sheet allows it."""
    head = stream.read(_HEAD)
    root = _ROOT.search(head)
    declared = _DECLARED_ENCODING.match(head)
    plain = (
        root is not None
        and _MAIN_NS in root.group()
        and b'xmlns="' + _MAIN_NS + b'"' in root.group()
        and (declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"))
        and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    )
    if not plain or root is None:
        yield from lxml_rows(_Rejoined(head, stream), strings, date_styles)
        return
    declarations = b"".join(match.group() for match in _XMLNS.finditer(root.group()))
    yield from fast_rows(head[root.end():], stream, strings, date_styles, declarations)


def lxml_rows(stream: Any, strings: list[str], date_styles: frozenset[int]) -> Iterator[Row]:
    for _, row in iterparse(stream, tags=[_ROW]):
        yield _lxml_row(row, strings, date_styles)
        release(row)


def _lxml_row(row: Any, strings: list[str], date_styles: frozenset[int]) -> Row:
    numbered = row.get("r")
    cells: list[tuple[str, str]] = []
    for column_number, cell in enumerate(row.iter(_CELL), start=1):
        reference = cell.get("r")
        if reference:
            match = _CELL_REF.match(reference)
            letters = match.group(1) if match else column_letters(column_number)
        else:
            letters = column_letters(column_number)
        text = cell_text(cell, strings, date_styles)
        if text:
            cells.append((letters, text))
    return (int(numbered) if numbered else None), cells


def fast_rows(
    first: bytes,
    stream: IO[bytes],
    strings: list[str],
    date_styles: frozenset[int],
    declarations: bytes,
) -> Iterator[Row]:
    pending = first
    while True:
        chunk = stream.read(_BLOCK)
        pending += chunk
        end = pending.rfind(b"</row>") + len(b"</row>") if chunk else len(pending)
        if chunk and end < len(b"</row>"):
            continue  # not one whole row yet
        block, pending = pending[:end], pending[end:]
        yield from _block_rows(block, strings, date_styles, declarations)
        if not chunk:
            return


def _block_rows(
    block: bytes, strings: list[str], date_styles: frozenset[int], declarations: bytes
) -> Iterator[Row]:
    first = _ROW_START.search(block)
    if first is None:
        return
    start = first.start()
    stop = block.rfind(b"</sheetData")
    rows = block[start:] if stop < start else block[start:stop]
    quick = _quick_rows(rows, strings, date_styles)
    if quick is not None:
        yield from quick
        return
    if _UNUSUAL.search(rows) or not _known_elements(rows):
        yield from _fragment_rows(rows, strings, date_styles, declarations)
        return
    for row in _ROW_ELEMENT.finditer(rows):
        yield _fast_row(row.group(1), row.group(2) or b"", strings, date_styles)


# The shape Excel, LibreOffice and openpyxl write, as one pattern, so that a block of rows is
# one findall: a row start (its attributes; "/" if empty), or a whole cell with its reference,
# then style and type in that order, an optional formula, then a value or a plain inline
# string. A cell of any other shape makes the counts differ and the block go the slower way.
_QUICK = re.compile(
    r'<row((?: [\w:]+="[^"]*")*)(/?)>'
    r'|<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?: (?![st]=)[\w:]+="[^"]*")*'
    r'(?:/>|>(?:<f>[^<]*</f>|<f(?: [\w:]+="[^"]*")*/>|<f(?: [\w:]+="[^"]*")*>[^<]*</f>)?'
    r'(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_ROW_NUMBER = re.compile(r' r="([^"]*)"')
# Every row and cell start tag, however written: what _QUICK must have matched, one for one.
_OPENINGS = re.compile(r"<(?:c|row)[\s/>]")


def _quick_rows(rows: bytes, strings: list[str], date_styles: frozenset[int]
                ) -> list[Row] | None:
    """The block's rows by ``_QUICK``, or None when any row or cell has another shape."""
    try:
        text = rows.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _QUICK.findall(text)
    if len(found) != len(_OPENINGS.findall(text)):
        return None
    out: list[Row] = []
    cells: list[tuple[str, str]] = []
    count = len(strings)
    for row_attributes, empty, letters, style, kind, value, inline in found:
        if not letters:
            numbered = _ROW_NUMBER.search(row_attributes)
            cells = []
            out.append((int(numbered.group(1)) if numbered else None, cells))
            if empty:
                cells = []  # a later cell cannot belong to an empty row
            continue
        if not out or (out[-1][1] is not cells):
            return None  # a cell outside a row, or after an empty one
        if kind == "inlineStr":
            cell = _resolved(inline) if inline else ""
        elif not value:
            continue
        else:
            if "&" in value or "\r" in value:
                value = _resolved(value)
            if kind == "s":
                index = int(value)
                cell = strings[index] if 0 <= index < count else ""
            elif kind == "b":
                cell = "TRUE" if value == "1" else "FALSE"
            elif (not kind or kind == "n") and date_styles and style and int(style) in date_styles:
                cell = _date(value)
            else:
                cell = value
        if cell:
            cells.append((letters, cell))
    return out


def _resolved(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _REFERENCE.sub(_resolve, text) if "&" in text else text


def _known_elements(rows: bytes) -> bool:
    for match in _ELEMENT_NAME.finditer(rows):
        prefix, name = match.groups()
        if prefix or (name not in _KNOWN_IN_ROW and name not in _RUN_PROPERTIES
                      and name != b"row"):
            return False
    return True


def _fragment_rows(
    rows: bytes, strings: list[str], date_styles: frozenset[int], declarations: bytes
) -> Iterator[Row]:
    """Whole rows lxml reads alone: wrapped in an element with the sheet's declarations."""
    wrapped = b"<sheetData" + declarations + b">" + rows + b"</sheetData>"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    for row in etree.fromstring(wrapped, parser).iter(_ROW):
        yield _lxml_row(row, strings, date_styles)


def _fast_row(attributes: bytes, body: bytes, strings: list[str], date_styles: frozenset[int]
              ) -> Row:
    numbered = _attribute(attributes, b"r")
    cells: list[tuple[str, str]] = []
    for column_number, cell in enumerate(_CELL_ELEMENT.finditer(body), start=1):
        found = {match[0]: match[1] or match[2] for match in _ATTRIBUTE.findall(cell.group(1))}
        reference = found.get(b"r")
        if reference:
            match = _CELL_REF.match(_text(reference))
            letters = match.group(1) if match else column_letters(column_number)
        else:
            letters = column_letters(column_number)
        text = _fast_cell_text(found, cell.group(2) or b"", strings, date_styles)
        if text:
            cells.append((letters, text))
    return (int(_text(numbered)) if numbered else None), cells


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    for match in _ATTRIBUTE.finditer(attributes):
        if match.group(1) == name:
            return match.group(2) if match.group(2) is not None else match.group(3)
    return None


def _text(raw: bytes) -> str:
    """Character data as lxml gives it: UTF-8, entities and character references resolved,
    line ends normalised."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _REFERENCE.sub(_resolve, text) if "&" in text else text


# XML's references: the five named entities and character references by code point (not
# html.unescape, which maps &#128; to the euro sign as HTML does).
_REFERENCE = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _resolve(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def _fast_cell_text(
    attributes: dict[bytes, bytes], body: bytes, strings: list[str], date_styles: frozenset[int]
) -> str:
    kind = attributes.get(b"t")
    if kind == b"inlineStr":
        inline = _INLINE_ELEMENT.search(body)
        if inline is None:
            return ""
        return "".join(_text(piece) for piece in _TEXT_ELEMENT.findall(inline.group(1)))
    value_match = _VALUE_ELEMENT.search(body)
    value = _text(value_match.group(1) or b"") if value_match else ""
    if not value:
        return ""
    if kind == b"s":
        index = int(value)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind in (None, b"n") and date_styles:
        style = attributes.get(b"s")
        if style is not None and int(style) in date_styles:
            return _date(value)
    if kind == b"b":
        return "TRUE" if value == "1" else "FALSE"
    return value


def cell_text(cell: Any, strings: list[str], date_styles: frozenset[int]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return "".join(t.text or "" for t in inline.iter(_TEXT)) if inline is not None else ""
    value = cell.findtext(_VALUE)
    if not value:
        return ""
    if kind == "s":
        index = int(value)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind in (None, "n") and date_styles:
        style = cell.get("s")
        if style is not None and int(style) in date_styles:
            return _date(value)
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    return value


def _date(serial: str) -> str:
    try:
        moment = _EPOCH + datetime.timedelta(days=float(serial))
    except (ValueError, OverflowError):
        return serial
    return f"{moment.month}/{moment.day}/{moment.year}"


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Rejoined:
    """A stream whose first bytes were already read: they come first again."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)
