"""A stored member read through ``open_member`` has its CRC-32 made by ISA-L: the same sum,
and a wrong one refused with zipfile's own message."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import inflate


def _stored(content: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("Gradebook.xlsx", content)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200_000), st.integers(1, 70_000), st.booleans())
def test_stored_member_crc_is_zipfiles(content: bytes, chunk: int, wrong: bool) -> None:
    if not inflate.available():
        pytest.skip("isal not installed")
    archive = _stored(content)
    info = archive.infolist()[0]
    if wrong:
        info.CRC ^= 1

    def read(stream: zipfile.ZipExtFile) -> tuple[bytes, str | None]:
        out = b""
        try:
            while piece := stream.read(chunk):
                out += piece
        except zipfile.BadZipFile as error:
            return out, str(error)
        return out, None

    with archive.open(info) as plain:
        expected = read(plain)
    with inflate.open_member(archive, info) as stream:
        assert type(stream).__name__ == "_IsalCrcMember"
        assert read(stream) == expected  # type: ignore[arg-type]
    assert (expected[1] is None) == (not wrong)
    if not wrong:
        assert zlib.crc32(expected[0]) == info.CRC


def test_stored_member_without_isal_is_zipfiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inflate, "isal_zlib", None)
    archive = _stored(b"Jane Doe, 2010-04-01\n" * 100)
    with inflate.open_member(archive, archive.infolist()[0]) as stream:
        assert type(stream) is zipfile.ZipExtFile
        assert stream.read() == b"Jane Doe, 2010-04-01\n" * 100
