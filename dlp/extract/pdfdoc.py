"""PDF through pypdfium2 (PDFium): the text layer page by page, ``page`` counting from 1.

A scanned page is rendered and read by OCR (``dlp.extract.ocrpage``). The rule: a page is
scanned when its text layer has fewer than ``THIN_TEXT`` non-space characters and images
cover at least ``SCANNED_COVER`` of it. Scanners stamp a line or two on their pages ("Page 1
of 3", a Bates number: 10-30 characters) and some add a hidden OCR layer of their own that is
often empty; a typed letter with a logo has hundreds of characters and images over a tenth of
the page. Measured by benchmarks/ocr_throughput.py (``--rule``).
With OCR off, or without an engine, scanned pages are reported together as IMAGE_CONTENT,
and so is a PDF with no text at all (its text, if any, is drawn as graphics).
A password that is needed to open the file means ENCRYPTED; PDFs encrypted with an empty
user password open and are read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.ocrpage import read
from dlp.extract.source import Source
from dlp.model import Location, Segment, Unscannable, UnscannableReason

THIN_TEXT = 50
SCANNED_COVER = 0.5


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
    over_budget: list[int] = []
    any_text = False
    for index in range(len(document)):
        ctx.check_time()
        page = document[index]
        where = location.with_detail(page=index + 1)
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
            if text.strip():
                any_text = True
                yield Segment(text.replace("\r\n", "\n"), where)
            # Pages with text enough are not measured: most pages of most PDFs.
            thin = sum(not char.isspace() for char in text) < THIN_TEXT
            cover = image_cover(page) if thin else 0.0
            if not thin or cover < SCANNED_COVER:
                if not text.strip() and cover > 0:
                    image_only.append(index + 1)  # a small image alone: not read as a scan
                continue
            if over_budget or not ctx.limits.ocr:
                (over_budget if ctx.limits.ocr else image_only).append(index + 1)
                continue
            item = read(_rendered(page, ctx), where, ctx.limits, ctx.ocr)
            if isinstance(item, Unscannable) and item.reason is UnscannableReason.OCR_LIMIT:
                over_budget.append(index + 1)
            elif isinstance(item, Unscannable):
                image_only.append(index + 1)
            else:
                any_text = True  # read, even if the scan held no text
                if item is not None:
                    yield item
        finally:
            page.close()
    if over_budget:
        yield Unscannable(
            location,
            UnscannableReason.OCR_LIMIT,
            f"scanned {_pages_phrase(over_budget, len(document))} not read: past the "
            f"message's OCR budget ({ctx.limits.ocr_max_pages} pages, "
            f"{ctx.limits.ocr_max_seconds:g} s)",
        )
    if not any_text and len(document) and not image_only and not over_budget:
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


def image_cover(page: pdfium.PdfPage) -> float:
    """The share of the page its images cover (their boxes added up, at most 1)."""
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return 0.0
    covered = 0.0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = image.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return min(1.0, covered / (width * height))


def _rendered(page: pdfium.PdfPage, ctx: Context) -> Image.Image:
    """The page at ``Limits.ocr_dpi``, or at whatever lower resolution keeps it within the
    pixel cap (a page 200 inches wide is shrunk, not refused)."""
    width, height = page.get_size()  # in points, 72 to the inch
    scale = ctx.limits.ocr_dpi / 72
    pixels = width * scale * height * scale
    if pixels > ctx.limits.ocr_max_pixels:
        # 1% under: PDFium rounds each side up to whole pixels.
        scale *= 0.99 * (ctx.limits.ocr_max_pixels / pixels) ** 0.5
    return page.render(scale=scale, grayscale=True).to_pil()


def _pages_phrase(pages: list[int], total: int) -> str:
    if len(pages) == total:
        return "every page" if total > 1 else "its only page"
    shown = ", ".join(str(page) for page in pages[:20])
    more = f" and {len(pages) - 20} more" if len(pages) > 20 else ""
    return f"page{'s' if len(pages) > 1 else ''} {shown}{more}"
