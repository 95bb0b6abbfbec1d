"""HEIC photos (written by pillow-heif, and one from an iPhone): recognised as image content,
never corrupt or unsupported, whatever brands their ftyp box names."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from dlp.extract import extract_message
from dlp.model import Location, UnscannableReason
from tests.extract.makers import collect, from_bytes, from_path

DATA = Path(__file__).resolve().parents[1] / "data" / "heic"


def heic(frames: int = 1) -> bytes:
    pillow_heif.register_heif_opener()
    images = [Image.new("RGB", (64, 48), color) for color in ("white", "black")[:frames]]
    buffer = io.BytesIO()
    images[0].save(buffer, format="HEIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def with_major_brand(data: bytes, brand: bytes) -> bytes:
    """The same file under another major brand (the compatible brands stay as written)."""
    assert data[4:8] == b"ftyp"
    return data[:8] + brand + data[12:]


def image_reasons(data: bytes, name: str):
    segments, reasons = from_bytes(data, name)
    assert not segments
    return [r.reason for r in reasons]


@pytest.mark.parametrize("frames", [1, 2])
def test_heic_written_by_pillow_heif_is_image_content(frames):
    assert image_reasons(heic(frames), "IMG_0001.HEIC") == [UnscannableReason.IMAGE_CONTENT]


@pytest.mark.parametrize("brand", [b"msf1", b"hevc", b"heis", b"iso8"])
def test_burst_and_sequence_brands_are_images_too(brand):
    # "iso8" is generic: the compatible brands ("mif1", "heic") say it is an image.
    data = with_major_brand(heic(2), brand)
    assert image_reasons(data, "IMG_0002.heic") == [UnscannableReason.IMAGE_CONTENT]


def test_an_iphone_live_photo_and_a_mailed_heic():
    _, reasons = from_path(DATA / "testHEIC_livePhoto.heic")
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]
    message = EmailMessage()
    message.set_content("504 form attached")
    message.add_attachment(
        heic(), maintype="application", subtype="octet-stream", filename="form.heic"
    )
    _, reasons = collect(extract_message(message.as_bytes(), Location(path=("m",))))
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("m", "form.heic"), UnscannableReason.IMAGE_CONTENT)
    ]


def test_a_video_stays_a_video():
    mp4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
    _, reasons = from_bytes(mp4, "clip.mp4")
    assert [(r.reason, r.detail) for r in reasons] == [
        (UnscannableReason.UNSUPPORTED, "audio or video is not read")
    ]
