"""The ISA-L member reader returns zipfile's bytes, and zipfile's errors, on any member."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.extract import inflate

# Text like the XML in documents (compresses well, long matches) and random bytes (stored
# blocks inside deflate), both at every size from empty up.
_CONTENT = st.one_of(
    st.binary(max_size=200_000),
    st.builds(
        lambda words, repeat: (" ".join(words) * repeat).encode(),
        st.lists(st.sampled_from(["<c r=", "A1", "t=", "s", "<v>", "42", "</v></c>"])),
        st.integers(1, 3_000),
    ),
)
_METHOD = st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])


def _zip(content: bytes, method: int, level: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method, compresslevel=level) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", content)
    return buffer.getvalue()


def _read(data: bytes, chunk: int, *, fast: bool) -> tuple[bytes, str | None]:
    """The member's bytes read ``chunk`` at a time, and the class of the error that stopped
    the reading, if any."""
    out = bytearray()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.infolist()[0]
            opened = inflate.open_member if fast else zipfile.ZipFile.open
            with opened(archive, info) as stream:
                while block := stream.read(chunk):
                    out += block
    except Exception as error:
        return bytes(out), type(error).__name__
    return bytes(out), None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CONTENT, _METHOD, st.integers(0, 9), st.sampled_from([1, 4096, 65536, -1]))
def test_same_bytes_as_zipfile(content: bytes, method: int, level: int, chunk: int) -> None:
    data = _zip(content, method, level)
    assert _read(data, chunk, fast=True) == _read(data, chunk, fast=False) == (content, None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _CONTENT,
    st.integers(0, 9),
    st.integers(0, 2**32 - 1),
    st.integers(0, 255),
    st.sampled_from([4096, -1]),
)
def test_same_error_as_zipfile_on_damage(
    content: bytes, level: int, where: int, value: int, chunk: int
) -> None:
    """A byte of the compressed data changed: the same error class, and at least the bytes
    zipfile gave before it (never less text scanned). A damaged stream that decodes to the end
    is found wrong by its CRC or size, which zipfile checks when it sees the last of the
    output; with ISA-L that can be a read later, so up to a read more may come first."""
    data = bytearray(_zip(content, zipfile.ZIP_DEFLATED, level))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode())
    if info.compress_size == 0:
        return
    data[start + where % info.compress_size] = value
    fast, fast_error = _read(bytes(data), chunk, fast=True)
    slow, slow_error = _read(bytes(data), chunk, fast=False)
    assert fast_error == slow_error
    assert fast.startswith(slow)
    if chunk == -1 or fast_error is None:
        assert fast == slow


@pytest.mark.parametrize("damage", ["crc", "size"])
def test_wrong_crc_or_size_is_refused_as_by_zipfile(damage: str) -> None:
    content = b"<row><c><v>123-45-6789</v></c></row>" * 2_000
    data = _zip(content, zipfile.ZIP_DEFLATED, 6)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.infolist()[0]
    if damage == "crc":
        info.CRC ^= 1
    else:
        info.file_size -= 10
    expected: str | None = None
    with archive.open(info) as stream:
        try:
            stream.read()
        except zipfile.BadZipFile as error:
            expected = type(error).__name__
    with inflate.open_member(archive, info) as stream:
        if expected is None:
            assert stream.read() == content[: info.file_size]
        else:
            with pytest.raises(zipfile.BadZipFile):
                stream.read()


def test_isal_does_the_inflating_when_installed() -> None:
    if not inflate.available():
        pytest.skip("isal not installed")
    data = _zip(b"x" * 10_000, zipfile.ZIP_DEFLATED, 6)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        inflate.open_member(archive, archive.infolist()[0]) as stream,
    ):
        inner = stream._stream  # type: ignore[attr-defined]
        assert type(inner._decompressor).__name__ == "_IsalInflater"
        assert stream.read() == b"x" * 10_000


def test_without_isal_zipfile_reads_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inflate, "isal_zlib", None)
    content = b"<si><t>Jane Doe</t></si>" * 500
    data = _zip(content, zipfile.ZIP_DEFLATED, 9)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        inflate.open_member(archive, archive.infolist()[0]) as stream,
    ):
        assert type(stream._decompressor).__name__ == "Decompress"  # type: ignore[attr-defined]
        assert stream.read() == content


def test_encrypted_member_still_refused_by_zipfile() -> None:
    data = bytearray(_zip(b"secret" * 100, zipfile.ZIP_DEFLATED, 6))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.infolist()[0]
    info.flag_bits |= 0x1
    with pytest.raises(RuntimeError):
        inflate.open_member(archive, info)


def test_a_bomb_is_inflated_a_read_at_a_time() -> None:
    """ISA-L holds back output past ``max_length``; zipfile still gets it a read at a time,
    as from zlib, never in one piece."""
    size = 40_000_000
    data = _zip(bytes(size), zipfile.ZIP_DEFLATED, 9)
    pieces: list[int] = []
    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        inflate.open_member(archive, archive.infolist()[0]) as stream,
    ):
        inner = stream._stream  # type: ignore[attr-defined]
        read_one = inner._read1

        def counted(n: int) -> bytes:
            piece: bytes = read_one(n)
            pieces.append(len(piece))
            return piece

        inner._read1 = counted
        while stream.read(65536):
            pass
    assert sum(pieces) == size
    assert max(pieces) <= 65536


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300_000), st.integers(1, 70_000))
def test_isal_checks_the_crc_as_zipfile_does(content: bytes, chunk: int) -> None:
    """Read through the member's own reader (not the fallback that would hide a wrong sum):
    ISA-L's running CRC-32 is zlib's, and a wrong one is refused with zipfile's message."""
    if not inflate.available():
        pytest.skip("isal not installed")
    data = _zip(content, zipfile.ZIP_DEFLATED, 6)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.infolist()[0]
    with inflate.open_member(archive, info) as stream:
        inner = stream._stream  # type: ignore[attr-defined]
        assert type(inner).__name__ == "_IsalCrcMember"
        read = b""
        while piece := inner.read(chunk):
            read += piece
        assert read == content
        assert inner._running_crc == zlib.crc32(content) == info.CRC
    info.CRC ^= 1
    with archive.open(info) as plain, pytest.raises(zipfile.BadZipFile) as by_zipfile:
        plain.read()
    with inflate.open_member(archive, info) as stream:
        inner = stream._stream  # type: ignore[attr-defined]
        with pytest.raises(zipfile.BadZipFile) as by_isal:
            while inner.read(chunk):
                pass
    assert str(by_isal.value) == str(by_zipfile.value)
