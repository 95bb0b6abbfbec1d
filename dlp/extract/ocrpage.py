"""Reading one image (a photo, a frame, a rendered PDF page) by OCR, within the budget.

The budget is per top-level item (one message, one file given) and shared by everything in
it: ``Limits.ocr_max_pages`` images or pages and ``Limits.ocr_max_seconds`` of OCR. An image
seen before in the same item (a logo in every attachment, the same scan attached twice) is
not read again: its pixels' hash says so.
"""

from __future__ import annotations

import hashlib
import time

from PIL import Image

from dlp.extract.context import OcrBudget
from dlp.extract.limits import Limits
from dlp.extract.ocr import OcrUnavailable, engine
from dlp.extract.ocrmark import ocr_part
from dlp.model import Location, Segment, Unscannable, UnscannableReason


def small(image: Image.Image, limits: Limits) -> bool:
    return min(image.size) < limits.ocr_min_side


def read(
    image: Image.Image, where: Location, limits: Limits, budget: OcrBudget
) -> Segment | Unscannable | None:
    """The text of one image, as a segment marked as OCR; an ``OCR_LIMIT`` (or, without an
    engine, ``IMAGE_CONTENT``) report instead; None for an image already read or with no text.
    """
    image = _shrunk(image, limits.ocr_max_side)  # hashed and read at the size OCR uses
    digest = hashlib.blake2b(image.tobytes(), digest_size=16).digest()
    if digest in budget.seen:
        return None
    refusal = budget.refusal(limits)
    if refusal is not None:
        return Unscannable(where, UnscannableReason.OCR_LIMIT, refusal)
    try:
        reader = engine(limits.ocr_engine)
    except OcrUnavailable as error:
        return Unscannable(
            where, UnscannableReason.IMAGE_CONTENT, f"text in images is not read: {error}"
        )
    budget.seen.add(digest)
    started = time.perf_counter()
    try:
        result = reader.read(image)
    finally:
        budget.spent(time.perf_counter() - started)
    if not result.text.strip():
        return None
    return Segment(result.text, where.with_detail(part=ocr_part(result.confidence)))


def _shrunk(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)
