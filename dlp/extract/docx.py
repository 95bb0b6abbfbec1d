"""Word documents (.docx/.docm), read straight from the document XML as a stream.

Deleted text kept by tracked changes is read too: it is still in the file that leaves.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from dlp.extract import docxkernel, ooxml
from dlp.extract.context import Context, Item
from dlp.extract.members import extract_members
from dlp.extract.source import Readable
from dlp.extract.xmlparse import iterparse, release
from dlp.model import Location, Segment

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT, _DELETED = W + "t", W + "delText"
_PARAGRAPH, _TAB, _BREAK, _CR, _CELL = W + "p", W + "tab", W + "br", W + "cr", W + "tc"
_TAGS = (_TEXT, _DELETED, _PARAGRAPH, _TAB, _BREAK, _CR, _CELL)
# Parts up to this size are read whole (a document's text is rarely a tenth of it); larger
# ones stream through lxml, as the memory they would take whole is not bounded.
_WHOLE_PART = 4 * 1024 * 1024

# Body first, then the parts around it; location part names what a staff member would look for.
# (Compiled once: looked up by ``re.fullmatch`` for every name of every file, the patterns
# cost more than the part's reading in a small document.)
_PARTS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"word/document\d*\.xml"), None),
    (re.compile(r"word/header\d*\.xml"), "header"),
    (re.compile(r"word/footer\d*\.xml"), "footer"),
    (re.compile(r"word/footnotes\.xml"), "footnotes"),
    (re.compile(r"word/endnotes\.xml"), "endnotes"),
    (re.compile(r"word/comments\.xml"), "comments"),
)
_CHUNK = re.compile(r"word/[^/]+\.(html?|mht|mhtml|rtf|txt)", re.IGNORECASE)


def extract(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    names = sorted(archive.NameToInfo)
    for pattern, part in _PARTS:
        for name in names:
            if pattern.fullmatch(name):
                where = location.with_detail(part=part) if part else location
                yield from part_segments(archive, name, where, ctx)
    yield from ooxml.loose_text(archive, location, ctx)
    yield from ooxml.embedded(archive, location, ctx)
    # "Alternative format chunks": whole HTML/MHT/RTF/text documents merged into the body.
    chunks = [info for info in archive.infolist() if _CHUNK.fullmatch(info.filename)]
    yield from extract_members(archive, chunks, location, ctx)


def part_segments(
    archive: zipfile.ZipFile, name: str, location: Location, ctx: Context
) -> Iterator[Segment]:
    """Paragraphs joined by newlines (table cells by tabs), cut into segments between
    paragraphs. A part of usual size is read whole by the compiled reader (`docxkernel`)
    where it can; lxml reads the others as they stream."""
    if archive.getinfo(name).file_size <= _WHOLE_PART:
        with ooxml.open_part(archive, name, ctx) as stream:
            try:
                data = stream.read()
            except Exception:
                data = None  # damaged: read again by lxml, which stops where it did
        if data is not None:
            read = docxkernel.read_part(data, ctx.limits.segment_chars)
            if read is not None:
                segments, rest = read
                for text in segments:
                    ctx.check_time()
                    yield Segment(text, location)
                yield from ooxml.joined([rest], location)
                return
            yield from _parsed_segments(io.BytesIO(data), location, ctx)
            return
    with ooxml.open_part(archive, name, ctx) as stream:
        yield from _parsed_segments(stream, location, ctx)


def _parsed_segments(stream: Readable, location: Location, ctx: Context) -> Iterator[Segment]:
    pieces: list[str] = []
    size = 0
    limit = ctx.limits.segment_chars
    for _, element in iterparse(stream, tags=_TAGS):
        tag = element.tag
        if tag in (_TEXT, _DELETED):
            if element.text:
                pieces.append(element.text)
                size += len(element.text)
        elif tag == _PARAGRAPH:
            pieces.append("\n")
            release(element)
            if size >= limit:
                ctx.check_time()
                yield Segment("".join(pieces), location)
                pieces, size = [], 0
        elif tag in (_TAB, _CELL):
            pieces.append("\t")
        else:
            pieces.append("\n")
    yield from ooxml.joined(pieces, location)
