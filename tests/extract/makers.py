"""Real files built at test time with real libraries (and a tiny hand-written PDF)."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable

from PIL import Image

from dlp.extract import extract_bytes, extract_path
from dlp.extract.celltable import cells_of
from dlp.extract.limits import Limits
from dlp.model import Location, Segment, Unscannable, UnscannableReason


def collect(items: Iterable[Segment | Unscannable]) -> tuple[list[Segment], list[Unscannable]]:
    """Segments (a packed table as the per-cell segments it stands for) and the rest."""
    segments: list[Segment] = []
    reasons: list[Unscannable] = []
    for item in items:
        assert isinstance(item, Segment | Unscannable), item
        if isinstance(item, Segment):
            segments.extend(cells_of(item))
        else:
            reasons.append(item)
    return segments, reasons


def well_formed(items: list[Segment | Unscannable]) -> None:
    """Every report has a reason and a detail; every segment is text."""
    for item in items:
        if isinstance(item, Unscannable):
            assert item.detail and isinstance(item.reason, UnscannableReason)
        else:
            assert isinstance(item.text, str)


def from_bytes(data: bytes, name: str, limits: Limits | None = None):
    return collect(extract_bytes(data, name, Location(path=(name,)), limits or Limits()))


def from_path(path, limits: Limits | None = None):
    return collect(extract_path(path, limits or Limits()))


def text_of(segments: list[Segment]) -> str:
    return "\n".join(segment.text for segment in segments)


def pdf(pages: list[str | None], scan: Image.Image | None = None) -> bytes:
    """A valid PDF: a page per entry, with that text, or (None) only an image and no text.

    With ``scan`` (a grayscale page image), every page is that image over the whole page,
    with the entry's text (if any) over it: a scan with a scanner's stamp, or its own OCR layer.
    """
    objects: list[bytes] = []
    kids = []
    font = 3
    image = 4
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # pages, filled in below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if scan is None:
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"
        )
    else:
        pixels = zlib.compress(scan.convert("L").tobytes())
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (scan.width, scan.height, len(pixels))
            + pixels
            + b"\nendstream"
        )
    for text in pages:
        backdrop = b"q 612 0 0 792 0 0 cm /Im1 Do Q " if scan is not None else b""
        if text is None:
            content = backdrop or b"q 200 0 0 200 100 400 cm /Im1 Do Q"
        else:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content = (
                backdrop + b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("latin-1") + b") Tj ET"
            )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        content_number = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
            % (content_number, font, image)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx(paragraphs: list[str], header: str | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pptx(slides: list[tuple[str, str | None]]) -> bytes:
    import pptx as python_pptx

    deck = python_pptx.Presentation()
    for text, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def ods_content(tables: str) -> bytes:
    """An ODS content.xml around ``tables`` (``<table:table>`` elements, as written)."""
    return (
        f"<office:document-content {ODS_NAMESPACES}><office:body><office:spreadsheet>"
        f"{tables}</office:spreadsheet></office:body></office:document-content>"
    ).encode()


def ods(tables: str) -> bytes:
    """An .ods file of ``tables``: its mimetype and content.xml, as a spreadsheet reads it."""
    return zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": ods_content(tables),
        }
    )
