"""PDF through pypdfium2 (PDFium): the text layer page by page, ``page`` counting from 1.

Pages that have images but no text (scans) are reported together as IMAGE_CONTENT, and so
is a PDF with no text at all (its text, if any, is drawn as graphics).
A password that is needed to open the file means ENCRYPTED; PDFs encrypted with an empty
user password open and are read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.source import Source
from dlp.model import Location, Segment, Unscannable, UnscannableReason


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    stream = source.open()
    try:
        try:
            document = pdfium.PdfDocument(source.path if source.path is not None else stream)
        except pdfium.PdfiumError as error:
            if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
                raise LimitExceeded(
                    UnscannableReason.ENCRYPTED, "password-protected PDF"
                ) from error
            raise LimitExceeded(
                UnscannableReason.CORRUPT, "damaged PDF: PDFium could not open it"
            ) from error
        with document:
            yield from _pages(document, location, ctx)
    finally:
        stream.close()


def _pages(document: pdfium.PdfDocument, location: Location, ctx: Context) -> Iterator[Item]:
    image_only: list[int] = []
    any_text = False
    for index in range(len(document)):
        ctx.check_time()
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
            if text.strip():
                any_text = True
                yield Segment(text.replace("\r\n", "\n"), location.with_detail(page=index + 1))
            elif _has_images(page):
                image_only.append(index + 1)
        finally:
            page.close()
    if not any_text and len(document) and not image_only:
        # Text drawn as outlines, or a blank document: either way nothing could be read.
        yield Unscannable(
            location,
            UnscannableReason.IMAGE_CONTENT,
            "no text layer on any page: any content is drawn as graphics",
        )
    if image_only:
        yield Unscannable(
            location,
            UnscannableReason.IMAGE_CONTENT,
            f"no text layer, only images, on {_pages_phrase(image_only, len(document))}",
        )


def _has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _pages_phrase(pages: list[int], total: int) -> str:
    if len(pages) == total:
        return "every page" if total > 1 else "its only page"
    shown = ", ".join(str(page) for page in pages[:20])
    more = f" and {len(pages) - 20} more" if len(pages) > 20 else ""
    return f"page{'s' if len(pages) > 1 else ''} {shown}{more}"
