"""Images read by OCR: PNG, JPEG, TIFF (every page), GIF, BMP, WebP and HEIC (pillow-heif).

The declared size is checked against ``Limits.ocr_max_pixels`` before a pixel is decoded, so
a decompression bomb is reported, never expanded. A multi-page TIFF names each page; other
formats are read from their first frame (a GIF's animation frames are not documents).
Icons and logos (smaller than ``Limits.ocr_min_side``) and images past the OCR budget are
reported as ``IMAGE_CONTENT`` and ``OCR_LIMIT``; with OCR off, every image is ``IMAGE_CONTENT``.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator

from PIL import Image, ImageOps, UnidentifiedImageError

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.members import check_member
from dlp.extract.ocrpage import read, small
from dlp.extract.source import Source
from dlp.model import Location, Unscannable, UnscannableReason

_PAGED = frozenset({"TIFF"})
_UNDECODABLE = "an image that could not be decoded to read by OCR"
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
                if image.width * image.height > ctx.limits.ocr_max_pixels:
                    raise LimitExceeded(UnscannableReason.BOMB, _too_many(image, ctx))
                where = location.with_detail(page=index + 1) if frames > 1 else location
                yield from read_picture(image, where, ctx)


def document_images(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    """Pictures inside an Office or OpenDocument file (``*/media/*``, ``Pictures/*``): a
    scanned page pasted into a letter is read. Documents were never reported for their
    pictures, so icons, logos, vector drawings (EMF, WMF) and pictures already read stay
    silent; a bomb does not."""
    if not ctx.limits.ocr:
        return
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() or not ("/media/" in name or name.startswith("Pictures/")):
            continue
        ctx.check_time()
        check_member(info, ctx, ctx.limits.max_file_bytes)
        with archive.open(info) as stream:
            try:
                image = _open(stream, ctx.limits.ocr_max_pixels)
            except LimitExceeded as stop:
                if stop.reason is UnscannableReason.BOMB:
                    yield Unscannable(location.child(name), stop.reason, stop.detail)
                continue
            with image:
                where = location.child(name)
                if image.width * image.height > ctx.limits.ocr_max_pixels:
                    yield Unscannable(where, UnscannableReason.BOMB, _too_many(image, ctx))
                elif not small(image, ctx.limits):
                    for item in read_picture(image, where, ctx):
                        if not _unread(item):
                            yield item


def read_picture(image: Image.Image, where: Location, ctx: Context) -> Iterator[Item]:
    """One decoded picture (within the pixel cap) through OCR, upright as its EXIF says."""
    if small(image, ctx.limits):
        yield Unscannable(where, UnscannableReason.IMAGE_CONTENT, "too small to hold a document")
        return
    if image.format == "JPEG":
        # JPEG decodes straight to a reduced size: a 12 MP photo never needs its full pixels.
        image.draft("RGB", (ctx.limits.ocr_max_side, ctx.limits.ocr_max_side))
    try:
        decoded = image if image.mode in ("RGB", "L") else image.convert("RGB")
        upright = ImageOps.exif_transpose(decoded)
        upright.load()
    except (OSError, ValueError, SyntaxError):  # a truncated photo is still just a photo
        yield Unscannable(where, UnscannableReason.IMAGE_CONTENT, _UNDECODABLE)
        return
    item = read(upright, where, ctx.limits, ctx.ocr)
    if item is not None:
        yield item


def _unread(item: Item) -> bool:
    return isinstance(item, Unscannable) and item.reason is UnscannableReason.IMAGE_CONTENT


def _too_many(image: Image.Image, ctx: Context) -> str:
    return (
        f"an image of {image.width:,} x {image.height:,} pixels is over the "
        f"{ctx.limits.ocr_max_pixels:,}-pixel cap"
    )


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
        raise LimitExceeded(UnscannableReason.IMAGE_CONTENT, _UNDECODABLE) from error
