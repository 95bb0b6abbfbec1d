"""PowerPoint decks (.pptx/.pptm): slide text by slide number (``page``), speaker notes
as part ``notes`` of the same slide."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from dlp.extract import ooxml
from dlp.extract.context import Context, Item
from dlp.extract.xmlparse import iterparse, release
from dlp.model import Location, Segment

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REL_ID = "{" + ooxml.REL_NS + "}id"
_NOTES_TYPE = "notesSlide"


def extract(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    for number, slide in enumerate(_slides(archive, ctx), start=1):
        ctx.check_time()
        if slide not in archive.NameToInfo:
            continue
        yield from _text(archive, slide, location.with_detail(page=number), ctx)
        for target in ooxml.relationships(archive, slide, ctx).values():
            if _NOTES_TYPE in target and target in archive.NameToInfo:
                yield from _text(
                    archive, target, location.with_detail(page=number, part="notes"), ctx
                )
    yield from ooxml.loose_text(archive, location, ctx)
    yield from ooxml.embedded(archive, location, ctx)


def _slides(archive: zipfile.ZipFile, ctx: Context) -> list[str]:
    rels = ooxml.relationships(archive, "ppt/presentation.xml", ctx)
    slides: list[str] = []
    with ooxml.open_part(archive, "ppt/presentation.xml", ctx) as stream:
        for _, element in iterparse(stream, tags=[P + "sldId"]):
            target = rels.get(element.get(_REL_ID, ""))
            if target:
                slides.append(target)
    return slides


def _text(
    archive: zipfile.ZipFile, part: str, location: Location, ctx: Context
) -> Iterator[Segment]:
    pieces: list[str] = []
    with ooxml.open_part(archive, part, ctx) as stream:
        for _, element in iterparse(stream, tags=[A + "t", A + "p", A + "br", A + "tab"]):
            if element.tag == A + "t":
                pieces.append(element.text or "")
            elif element.tag == A + "p":
                pieces.append("\n")
                release(element)
            elif element.tag == A + "tab":
                pieces.append("\t")
            else:
                pieces.append("\n")
    yield from ooxml.joined(pieces, location)
