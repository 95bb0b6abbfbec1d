"""``ooxml.read_whole`` gives a part's bytes exactly as zipfile reads them, or None (then the
part is streamed as before): never other bytes, for any member, damaged ones included. And a
workbook's cells come out the same whether its sheets are read whole or streamed."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, ooxml, sheetxml, xlsx
from dlp.extract.context import Clocks, Context
from dlp.extract.inflate import isal_zlib
from dlp.model import Location
from tests.extract.makers import xlsx as xlsx_bytes


def _context() -> Context:
    return Context(Limits(ocr=False), None, Clocks())  # type: ignore[arg-type]


def _zip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zipfile_read(archive: zipfile.ZipFile, name: str) -> bytes | str:
    try:
        return archive.read(name)
    except Exception as error:  # (its class is what is compared)
        return type(error).__name__


_TEXT = st.text("<a>b 12", max_size=6000).map(str.encode)


@settings(max_examples=60)
@given(
    data=st.binary(max_size=3000) | _TEXT,
    stored=st.booleans(),
    name=st.sampled_from(["xl/part.xml", "xl/wörk.xml"]),
)
def test_a_part_reads_as_zipfile_reads_it(data: bytes, stored: bool, name: str) -> None:
    raw = _zip({name: data}, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    archive = zipfile.ZipFile(io.BytesIO(raw))
    assert ooxml.read_whole(archive, name, _context(), 1 << 20) == archive.read(name)


def test_a_larger_part_is_left_to_the_stream() -> None:
    archive = zipfile.ZipFile(io.BytesIO(_zip({"xl/part.xml": b"x" * 5000})))
    assert ooxml.read_whole(archive, "xl/part.xml", _context(), 4999) is None
    assert ooxml.read_whole(archive, "xl/part.xml", _context(), 5000) == b"x" * 5000


@settings(max_examples=120, deadline=None)
@given(
    size=st.sampled_from([300, 20_000]),
    seed=st.integers(0, 2**32 - 1),
    spots=st.integers(1, 3),
)
def test_a_damaged_part_is_never_read_otherwise(size: int, seed: int, spots: int) -> None:
    """Damage anywhere (the header, the name, the deflate stream, the CRC in the central
    directory is left alone): read whole only where zipfile reads the very same bytes."""
    rng = random.Random(seed)
    text = "".join(rng.choice("<c>r 0123456789abcdef/") for _ in range(size)).encode()
    raw = bytearray(_zip({"xl/part.xml": text}))
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo("xl/part.xml")
    end = info.header_offset + 30 + len(info.filename) + info.compress_size
    for _ in range(spots):
        raw[rng.randrange(info.header_offset, end)] ^= 1 << rng.randrange(8)
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    except zipfile.BadZipFile:
        return
    whole = ooxml.read_whole(archive, "xl/part.xml", _context(), 1 << 20)
    if whole is not None:
        assert whole == _zipfile_read(archive, "xl/part.xml")


def test_a_truncated_deflate_stream_is_left_to_the_stream() -> None:
    raw = bytearray(_zip({"xl/part.xml": bytes(range(256)) * 40}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = archive.getinfo("xl/part.xml")
    info.compress_size -= 5  # the deflate stream's end cut off
    assert ooxml.read_whole(archive, "xl/part.xml", _context(), 1 << 20) is None


@pytest.mark.parametrize("isal", [True, False])
def test_with_or_without_isal(isal: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not isal:
        monkeypatch.setattr(ooxml, "isal_zlib", None)
    elif isal_zlib is None:
        pytest.skip("no ISA-L")
    data = b"<row>" + b"<c>some text 123</c>" * 4000 + b"</row>"
    archive = zipfile.ZipFile(io.BytesIO(_zip({"xl/part.xml": data})))
    assert ooxml.read_whole(archive, "xl/part.xml", _context(), 1 << 20) == data


def _cells(data: bytes) -> list[tuple[str, object, str]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    found: list[tuple[str, object, str]] = []
    for item in xlsx.extract(archive, Location(path=("book.xlsx",)), _context()):
        found.append((item.text, item.location, getattr(item, "context", "")))
    return found


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.text("ab 1<&é", max_size=12) | st.integers(-99, 10**9), max_size=6),
        min_size=1,
        max_size=40,
    ),
)
def test_sheets_read_whole_give_what_streamed_sheets_give(rows: list[list[object]]) -> None:
    data = xlsx_bytes({"First": rows, "Second": rows[::-1]})
    whole = _cells(data)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(ooxml, "read_whole", lambda *args: None)
        streamed = _cells(data)
    assert whole == streamed


def _blocks_streamed(data: bytes) -> list[object]:
    return [
        (block.numbers, block.cell_rows, block.columns, block.texts)
        for block in sheetxml.sheet_blocks(io.BytesIO(data), [], frozenset())
    ]


def _blocks_whole(data: bytes) -> list[object]:
    return [
        (block.numbers, block.cell_rows, block.columns, block.texts)
        for block in sheetxml.whole_sheet_blocks(data, [], frozenset())
    ]


_PIECES = st.sampled_from(
    [
        b'<row r="1">',
        b'<row r="7" spans="1:2">',
        b"<row>",
        b'<row r="3"/>',
        b"</row>",
        b'<c r="A1" t="inlineStr"><is><t>x 1</t></is></c>',
        b'<c r="B2"><v>12</v></c>',
        b'<c r="C9" t="b"><v>1</v></c>',
        b'<c r="D4" t="inlineStr"><is><t>caf\xc3\xa9</t></is></c>',
        b"<c r='E1'><v>3</v></c>",
        b"</sheetData>",
        b"<sheetData>",
        b"<!-- a -->",
        b"<rowBreaks/>",
        b" ",
    ]
)
_STARTS = st.sampled_from(
    [
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
        + sheetxml._MAIN_NS
        + b'"><sheetData>',
        b'<worksheet xmlns:x="' + sheetxml._MAIN_NS + b'"><x:sheetData>',
        b"<worksheet>",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    start=_STARTS,
    pieces=st.lists(_PIECES, max_size=40),
    padding=st.sampled_from([0, 70_000, 140_000]),
)
def test_a_sheet_read_whole_gives_the_streamed_blocks(
    start: bytes, pieces: list[bytes], padding: int
) -> None:
    """Also where the stream's first read and cut fall (a sheet past ``_HEAD``, "</row>"
    nowhere or anywhere, rows before and after "</sheetData"): the same blocks or the same
    error."""
    middle = b"".join(pieces)
    data = start + b'<row r="1"><c r="A1"><v>' + b"1" * padding + b"</v></c></row>" + middle
    data += b"</sheetData></worksheet>"
    outcomes = []
    for read in (_blocks_streamed, _blocks_whole):
        try:
            outcomes.append(read(data))
        except Exception as error:  # (its class is what is compared)
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]
