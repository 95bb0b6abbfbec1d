"""Scanned forms and phone photos made with Pillow, for the OCR tests and benchmark.

A form is typed text drawn on a page-sized image at a given DPI, then optionally degraded the
ways real scans are: skewed on the glass, blurred, photographed (perspective, a shadow, JPEG).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)


@dataclass(frozen=True)
class Planted:
    """A value planted in a form, and the entity detection must find for it."""

    label: str
    value: str
    entity: str


IEP_EN = (
    Planted("Name of student:", "Maria Gonzalez", "PERSON"),
    Planted("Student ID:", "4685687", "STUDENT_ID"),
    Planted("SSN:", "536-22-1234", "US_SSN"),
    Planted("", "Individualized Education Program (IEP) annual review", "SPECIAL_EDUCATION"),
    Planted("Disability:", "specific learning disability; speech therapy", "SPECIAL_EDUCATION"),
)
FORM_504_ES = (
    Planted("Nombre del estudiante:", "José Ramírez", "PERSON"),
    Planted("Número de estudiante:", "4481902", "STUDENT_ID"),
    Planted("", "Plan 504: adaptaciones para la evaluación", "SPECIAL_EDUCATION"),
    Planted("Student ID:", "4481902", "STUDENT_ID"),
    Planted("", "Section 504 accommodation plan, extended time", "SPECIAL_EDUCATION"),
)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def form(planted: tuple[Planted, ...], dpi: int = 200, title: str = "District form") -> Image.Image:
    """A letter-size page at ``dpi`` with one planted item per line, in 12-point type."""
    width, height = int(8.5 * dpi), int(11 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    type_size = round(12 / 72 * dpi)
    draw.text((dpi, dpi), title, fill=0, font=font(round(type_size * 1.4)))
    for line, item in enumerate(planted):
        text = f"{item.label} {item.value}".strip()
        draw.text((dpi, dpi * 2 + line * type_size * 2), text, fill=0, font=font(type_size))
    return page


def card(planted: tuple[Planted, ...], type_size: int = 30) -> Image.Image:
    """Just the planted lines, on a small page: cheap to OCR, for tests of formats and bounds."""
    page = Image.new("L", (type_size * 30, type_size * (2 * len(planted) + 2)), 255)
    draw = ImageDraw.Draw(page)
    for line, item in enumerate(planted):
        text = f"{item.label} {item.value}".strip()
        draw.text((type_size, type_size * (1 + 2 * line)), text, fill=0, font=font(type_size))
    return page


def skewed(page: Image.Image, degrees: float = 3.0) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def blurred(page: Image.Image, radius: float = 1.5) -> Image.Image:
    return page.filter(ImageFilter.GaussianBlur(radius))


def photographed(page: Image.Image) -> Image.Image:
    """A phone photo of the page: taken at an angle, a shadow across it, on a darker desk."""
    rgb = page.convert("RGB")
    w, h = rgb.size
    # Perspective: the top edge narrower than the bottom, as from a phone held over a desk.
    inset = w * 0.06
    quad = (inset, 0, 0, h, w, h, w - inset, 0)
    photo = rgb.transform(
        (w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(90, 80, 70)
    )
    shadow = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - v // 3)
    return Image.composite(photo, Image.new("RGB", (w, h), (0, 0, 0)), shadow)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def scanned_pdf(pages: list[Image.Image], dpi: int = 200) -> bytes:
    """An image-only PDF, as a scanner writes one (Pillow's PDF writer: one image per page)."""
    first, *rest = [page.convert("RGB") for page in pages]
    return encoded(first, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
