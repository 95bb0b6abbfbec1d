"""OCR of scans and photos: real images and PDFs made by Pillow, read by the real engines.

RapidOCR (the default) is a dependency; Tesseract is tested where Debian's tesseract-ocr is
installed. Values are checked after detection, the way a policy sees them.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from email.message import EmailMessage

import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from dlp.extract import Limits, extract_message, pdfdoc
from dlp.extract.context import Clocks, Context
from dlp.extract.dispatch import extract_source
from dlp.extract.ocr import OcrUnavailable, RapidOcr, engine
from dlp.extract.ocrmark import ocr_confidence, ocr_part, ocr_score
from dlp.model import Location, Segment, UnscannableReason
from tests.extract import makers
from tests.extract.makers import collect, from_bytes, text_of
from tests.extract.scans import (
    FORM_504_ES,
    IEP_EN,
    Planted,
    blurred,
    card,
    encoded,
    form,
    photographed,
    scanned_pdf,
    skewed,
)

# Tests that read several pages and are not about the seconds budget: on a loaded machine
# the default 10 s could run out and turn a page into OCR_LIMIT.
UNHURRIED = 300.0

SSN_CARD = (
    Planted("SSN:", "536-22-1234", "US_SSN"),
    Planted("Student ID:", "4685687", "STUDENT_ID"),
)


def _available(name: str) -> bool:
    try:
        engine(name)
    except OcrUnavailable:
        return False
    return True


ENGINES = [
    "rapidocr",
    pytest.param(
        "tesseract",
        marks=pytest.mark.skipif(
            not _available("tesseract"), reason="tesseract-ocr (and pytesseract) not installed"
        ),
    ),
]


def entities(scanner, segments: list[Segment]) -> set[str]:
    return {finding.entity_type for segment in segments for finding in scanner.scan(segment)}


@pytest.mark.parametrize("name", ENGINES)
def test_a_scanned_iep_pdf_is_read_page_by_page_and_marked(name, scanner):
    data = scanned_pdf([form(IEP_EN), form(IEP_EN[:1])])
    limits = Limits(ocr_engine=name, ocr_max_seconds=UNHURRIED)
    segments, reasons = from_bytes(data, "iep.pdf", limits)
    assert reasons == []
    assert [s.location.page for s in segments] == [1, 2]
    for segment in segments:
        confidence = ocr_confidence(segment.location)
        assert confidence is not None and confidence > 0.8
        assert str(segment.location).startswith("iep.pdf / ocr ")
    assert {"US_SSN", "STUDENT_ID", "SPECIAL_EDUCATION"} <= entities(scanner, segments[:1])


def test_without_ocr_the_same_scan_is_image_content():
    data = scanned_pdf([form(IEP_EN)])
    segments, reasons = from_bytes(data, "iep.pdf", Limits(ocr=False))
    assert segments == []
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]


def _heic(image: Image.Image) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encoded(image.convert("RGB"), "HEIF")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("scan.png", lambda im: encoded(im, "PNG")),
        ("photo.jpg", lambda im: encoded(im.convert("RGB"), "JPEG", quality=80)),
        ("scan.gif", lambda im: encoded(im, "GIF")),
        ("scan.bmp", lambda im: encoded(im, "BMP")),
        ("scan.webp", lambda im: encoded(im, "WEBP", quality=90)),
        ("IMG_0001.heic", _heic),
    ],
)
def test_every_image_format_is_read(name, make, scanner):
    segments, reasons = from_bytes(make(card(SSN_CARD)), name)
    assert reasons == []
    assert "536-22-1234" in text_of(segments)
    assert {"US_SSN", "STUDENT_ID"} <= entities(scanner, segments)


def test_a_multipage_tiff_names_each_page():
    pages = [card(SSN_CARD), card(IEP_EN[:1])]
    data = encoded(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    segments, reasons = from_bytes(data, "fax.tiff", Limits(ocr_max_seconds=UNHURRIED))
    assert reasons == []
    assert [s.location.page for s in segments] == [1, 2]
    assert "536-22-1234" in segments[0].text
    assert "Gonzalez" in segments[1].text


@pytest.mark.parametrize(
    ("degrade", "fmt"),
    [
        (lambda page: skewed(page, 4.0), "PNG"),
        (blurred, "PNG"),
        (photographed, "JPEG"),
    ],
    ids=["skewed", "blurred", "photographed"],
)
def test_degraded_scans_still_give_their_values(degrade, fmt, scanner):
    data = encoded(degrade(form(IEP_EN)).convert("RGB"), fmt, quality=70)
    segments, _ = from_bytes(data, f"scan.{fmt.lower()}")
    assert {"US_SSN", "STUDENT_ID", "SPECIAL_EDUCATION"} <= entities(scanner, segments)


@pytest.mark.parametrize("name", ENGINES)
def test_spanish_forms_are_read(name, scanner):
    segments, _ = from_bytes(encoded(form(FORM_504_ES), "PNG"), "504.png", Limits(ocr_engine=name))
    text = text_of(segments)
    assert "4481902" in text
    assert {"STUDENT_ID", "SPECIAL_EDUCATION"} <= entities(scanner, segments)
    if name == "tesseract":
        assert "evaluación" in text  # accents come through
    else:
        # RapidOCR's recognition model has no accented letters: the word survives, unaccented.
        assert "evaluaci" in text


@pytest.mark.parametrize(
    ("width", "height", "said"),
    [
        (10_000, 6_000, "10,000 x 6,000 pixels is over the 50,000,000-pixel cap"),
        (100_000, 100_000, "over the 50,000,000-pixel cap"),  # past Pillow's own limit too
    ],
)
def test_a_decompression_bomb_is_refused_before_decoding(width, height, said):
    """A PNG of about 100 bytes whose header says it is 60 MP, or 10 GP (30 GB decoded)."""
    small = encoded(Image.new("L", (1, 1), 255), "PNG")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    forged = small[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    forged += small[8 + 25 :]
    segments, reasons = from_bytes(forged, "poster.png")
    assert segments == []
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    assert said in reasons[0].detail


def test_a_huge_pdf_page_is_rendered_smaller_not_refused():
    """An 85 x 110-inch page at 150 DPI would be 210 MP: rendered within the pixel cap."""
    data = scanned_pdf([form(SSN_CARD, dpi=10)], dpi=1)
    limits = Limits(ocr_max_pixels=4_000_000)
    document = pdfium.PdfDocument(data)
    assert document[0].get_size() == (6120.0, 7920.0)
    rendered = pdfdoc._rendered(document[0], Context(limits, extract_source, Clocks()))
    assert rendered.width * rendered.height <= 4_000_000
    assert rendered.width > 1500


def test_past_the_page_budget_the_rest_is_ocr_limit():
    pages = [card((Planted("Page", str(n), ""),)) for n in range(1, 4)]
    data = scanned_pdf(pages)
    limits = Limits(ocr_max_pages=1, ocr_max_seconds=UNHURRIED)
    segments, reasons = from_bytes(data, "packet.pdf", limits)
    assert [s.location.page for s in segments] == [1]
    assert [r.reason for r in reasons] == [UnscannableReason.OCR_LIMIT]
    assert "pages 2, 3" in reasons[0].detail


def test_past_the_seconds_budget_the_rest_is_ocr_limit():
    pages = [card((Planted("Page", str(n), ""),)) for n in range(1, 4)]
    segments, reasons = from_bytes(scanned_pdf(pages), "packet.pdf", Limits(ocr_max_seconds=0.01))
    assert len(segments) == 1  # the first page always starts; its time shows the rest won't fit
    assert [r.reason for r in reasons] == [UnscannableReason.OCR_LIMIT]


def _message(*attachments: tuple[str, bytes, str]) -> bytes:
    message = EmailMessage()
    message["From"] = "teacher@cusd.com"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "papers"
    message.set_content("See attached.")
    for filename, data, subtype in attachments:
        maintype, _, sub = subtype.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=sub, filename=filename)
    return bytes(message)


def test_the_budget_is_per_message_and_a_repeated_image_is_read_once():
    scan = encoded(card(SSN_CARD), "PNG")
    other = encoded(card(IEP_EN[:1]), "PNG")
    raw = _message(
        ("a.png", scan, "image/png"), ("copy.png", scan, "image/png"), ("b.png", other, "image/png")
    )
    limits = Limits(ocr_max_pages=1, ocr_max_seconds=UNHURRIED)
    items = list(extract_message(raw, Location(("message",)), limits))
    segments, reasons = collect(items)
    ocr = [s for s in segments if ocr_confidence(s.location) is not None]
    assert len(ocr) == 1 and "536-22-1234" in ocr[0].text  # the copy is not read again
    assert [(r.reason, r.location.path[-1]) for r in reasons] == [
        (UnscannableReason.OCR_LIMIT, "b.png")
    ]


def test_icons_and_logos_are_not_read():
    segments, reasons = from_bytes(encoded(Image.new("RGB", (48, 48), "navy"), "PNG"), "logo.png")
    assert segments == []
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]
    assert "too small" in reasons[0].detail


def test_a_thin_text_layer_over_a_scan_is_read_a_full_one_is_not():
    """The rule: fewer than 50 non-space characters over images covering half the page."""
    page = form(SSN_CARD, dpi=100)
    stamped = makers.pdf(["Page 1 of 1  Scanned 2025-03-04"], scan=page)
    segments, _ = from_bytes(stamped, "stamped.pdf")
    assert any("536-22-1234" in s.text for s in segments)
    typed = makers.pdf(["Dear families, " * 5], scan=page)
    segments, _ = from_bytes(typed, "letter.pdf")
    assert all(ocr_confidence(s.location) is None for s in segments)


def test_ocr_findings_lose_score_below_the_trusted_confidence(scanner):
    text = "SSN 536-22-1234"
    plain = scanner.scan(Segment(text, Location(("a.png",))))
    sure = scanner.scan(Segment(text, Location(("a.png",), part=ocr_part(0.95))))
    shaky = scanner.scan(Segment(text, Location(("a.png",), part=ocr_part(0.6))))
    assert [f.score for f in sure] == [f.score for f in plain]
    assert [round(f.score, 6) for f in shaky] == [round(f.score * 0.6 / 0.9, 6) for f in plain]
    assert ocr_score(0.9, Location(part="body")) == 0.9


def test_rapidocr_runs_one_thread_on_its_packaged_models(monkeypatch):
    ocr = engine("rapidocr")
    assert isinstance(ocr, RapidOcr)
    for stage in (ocr._ocr.text_det.infer, ocr._ocr.text_cls.infer, ocr._ocr.text_rec.session):
        assert stage.session.get_session_options().intra_op_num_threads == 1
    import dlp.extract.ocr as module

    monkeypatch.setitem(module._RAPID_MODELS, "rec", "downloaded_elsewhere.onnx")
    with pytest.raises(OcrUnavailable, match="packaged models are missing"):
        RapidOcr()


def test_models_load_only_in_processes_that_ocr():
    script = (
        "import sys\n"
        "from dlp.extract import extract_bytes\n"
        "from dlp.model import Location\n"
        "list(extract_bytes(b'SSN 536-22-1234', 'a.txt', Location()))\n"
        "heavy = ('onnxruntime', 'rapidocr_onnxruntime', 'cv2')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_undecodable_image_is_image_content_not_a_failure():
    segments, reasons = from_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")
    assert segments == []
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]


def _docx_with(picture: bytes) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Please see the form below.")
    document.add_picture(io.BytesIO(picture))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pptx_with(picture: bytes) -> bytes:
    import pptx as python_pptx

    deck = python_pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(io.BytesIO(picture), 0, 0)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _xlsx_with(picture: bytes) -> bytes:
    import openpyxl
    from openpyxl.drawing.image import Image as SheetImage

    book = openpyxl.Workbook()
    book.active.append(["pasted scan"])
    book.active.add_image(SheetImage(io.BytesIO(picture)), "B2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _odt_with(picture: bytes) -> bytes:
    content = (
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        b"<text:p>Please see the form below.</text:p></office:text></office:body>"
        b"</office:document-content>"
    )
    return makers.zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": content,
            "Pictures/10000001.png": picture,
        }
    )


@pytest.mark.parametrize(
    ("name", "make", "member"),
    [
        ("letter.docx", _docx_with, "word/media/image1.png"),
        ("slides.pptx", _pptx_with, "ppt/media/image1.png"),
        ("book.xlsx", _xlsx_with, "xl/media/image1.png"),
        ("letter.odt", _odt_with, "Pictures/10000001.png"),
    ],
)
def test_pictures_inside_office_documents_are_read(name, make, member, scanner):
    logo = encoded(Image.new("RGB", (40, 40), "navy"), "PNG")
    data = make(encoded(card(SSN_CARD), "PNG"))
    segments, reasons = from_bytes(data, name)
    assert reasons == []
    ocr = [s for s in segments if ocr_confidence(s.location) is not None]
    assert [s.location.path for s in ocr] == [(name, member)]
    assert {"US_SSN", "STUDENT_ID"} <= entities(scanner, ocr)
    # A logo alone says nothing, as before: no report for a document's small pictures.
    segments, reasons = from_bytes(make(logo), name)
    assert reasons == []
    assert all(ocr_confidence(s.location) is None for s in segments)


def test_an_inline_image_of_an_html_mail_is_read():
    message = EmailMessage()
    message["From"] = "teacher@cusd.com"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "form"
    message.set_content("See the form.")
    message.add_alternative('<p>See the form.</p><img src="cid:form1">', subtype="html")
    html = message.get_payload()[1]
    html.add_related(encoded(card(SSN_CARD), "PNG"), "image", "png", cid="<form1>")
    segments, reasons = collect(extract_message(bytes(message), Location(("message",))))
    assert reasons == []
    assert any("536-22-1234" in s.text and ocr_confidence(s.location) for s in segments)


@given(
    score=st.floats(min_value=0.0, max_value=1.0),
    low=st.integers(min_value=0, max_value=100),
    high=st.integers(min_value=0, max_value=100),
)
def test_the_score_rule_never_raises_a_score_and_follows_confidence(score, low, high):
    low, high = sorted((low, high))
    at_low = ocr_score(score, Location(part=ocr_part(low / 100)))
    at_high = ocr_score(score, Location(part=ocr_part(high / 100)))
    assert 0.0 <= at_low <= at_high <= score
    if high >= 90:
        assert at_high == score  # a trusted read keeps its score
    elif score > 1e-6:
        assert at_high < score


@pytest.mark.skipif(not _available("tesseract"), reason="tesseract-ocr not installed")
def test_tesseract_runs_one_thread():
    engine("tesseract")
    assert os.environ["OMP_THREAD_LIMIT"] == "1"
