"""Images read by OCR: PNG, JPEG, TIFF (every page), GIF, BMP, WebP and HEIC (pillow-heif).

The declared size is checked against ``Limits.ocr_max_pixels`` before a pixel is decoded, so
a decompression bomb is reported, never expanded. A multi-page TIFF names each page; other
formats are read from their first frame (a GIF's animation frames are not documents).
Icons and logos (smaller than ``Limits.ocr_min_side``) and images past the OCR budget are
reported as ``IMAGE_CONTENT`` and ``OCR_LIMIT``; with OCR off, every image is ``IMAGE_CONTENT``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

from PIL import Image, ImageOps, UnidentifiedImageError

from dlp.extract.context import Context, Item, LimitExceeded
from dlp.extract.ocrpage import check_pixels, read, small
from dlp.extract.source import Source
from dlp.model import Location, Unscannable, UnscannableReason

_PAGED = frozenset({"TIFF"})
_HEIF_READY: list[bool] = []


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    if not ctx.limits.ocr:
        yield Unscannable(location, UnscannableReason.IMAGE_CONTENT, "an image: OCR is off")
        return
    with source.open() as stream:
        image = _open(stream, ctx.limits.ocr_max_pixels)
        with image:
            frames = getattr(image, "n_frames", 1) if image.format in _PAGED else 1
            for index in range(frames):
                ctx.check_time()
                image.seek(index)
                check_pixels(image.width, image.height, ctx.limits)
                where = location.with_detail(page=index + 1) if frames > 1 else location
                yield from read_picture(image, where, ctx)


def read_picture(image: Image.Image, where: Location, ctx: Context) -> Iterator[Item]:
    """One decoded picture (within the pixel cap) through OCR, upright as its EXIF says."""
    if small(image, ctx.limits):
        yield Unscannable(where, UnscannableReason.IMAGE_CONTENT, "too small to hold a document")
        return
    if image.format == "JPEG":
        # JPEG decodes straight to a reduced size: a 12 MP photo never needs its full pixels.
        image.draft("RGB", (ctx.limits.ocr_max_side, ctx.limits.ocr_max_side))
    decoded = image if image.mode in ("RGB", "L") else image.convert("RGB")
    upright = ImageOps.exif_transpose(decoded)
    item = read(upright, where, ctx.limits, ctx.ocr)
    if item is not None:
        yield item


def _open(stream: object, cap: int) -> Image.Image:
    if not _HEIF_READY:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # HEIC photos are then reported as damaged-or-unreadable images
            pass
        _HEIF_READY.append(True)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning: our pixel cap (lower) decides, with a report.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(stream)  # type: ignore[arg-type]
    except Image.DecompressionBombError as error:
        # Past Pillow's own refusal (twice its MAX_IMAGE_PIXELS), far past ours.
        raise LimitExceeded(
            UnscannableReason.BOMB,
            f"an image of more than {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels is over the "
            f"{cap:,}-pixel cap",
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        # Not CORRUPT: a photo variant no decoder here reads (an iPhone live photo) is as
        # ordinary as any photo, and is reported as an image that was not read.
        raise LimitExceeded(
            UnscannableReason.IMAGE_CONTENT, "an image that could not be decoded to read by OCR"
        ) from error
