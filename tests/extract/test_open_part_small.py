"""``ooxml.open_part`` gives a small part by zipfile alone: the same bytes, and the same
error for a damaged one, as through ISA-L (``inflate.open_member``)."""

from __future__ import annotations

import io
import zipfile
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, ooxml
from dlp.extract.context import Clocks, Context
from dlp.extract.inflate import open_member


def _archive(data: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/part.xml", data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _context() -> Context:
    return Context(Limits(ocr=False), None, Clocks())  # type: ignore[arg-type]


def _read(stream: IO[bytes]) -> list[bytes] | str:
    try:
        with stream:
            return [stream.read(64), stream.read(1000), stream.read()]
    except Exception as error:  # (its class is what is compared)
        return type(error).__name__


@settings(max_examples=40)
@given(data=st.binary(max_size=3000) | st.text("<a>b 12", max_size=6000).map(str.encode))
def test_a_part_reads_as_through_isal(data: bytes) -> None:
    archive = _archive(data)
    info = archive.getinfo("xl/part.xml")
    assert _read(ooxml.open_part(archive, "xl/part.xml", _context())) == _read(
        open_member(archive, info)
    )


@pytest.mark.parametrize("at", [0.3, 0.6, 0.9])
def test_a_damaged_small_part_fails_as_through_isal(at: float) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/part.xml", b"<r>" + b"<c>some text 123</c>" * 40 + b"</r>")
    raw = bytearray(buffer.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo("xl/part.xml")
    assert info.compress_size < ooxml._SMALL_DEFLATED
    start = info.header_offset + 30 + len(info.filename)
    spot = start + int(info.compress_size * at)
    raw[spot] ^= 0xFF
    archive = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = archive.getinfo("xl/part.xml")
    assert _read(ooxml.open_part(archive, "xl/part.xml", _context())) == _read(
        open_member(archive, info)
    )
