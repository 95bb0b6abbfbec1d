"""Apple iWork files written by Pages, Numbers and Keynote (Tika's and numbers-parser's
samples), and IWA data made here with cramjam's Snappy for the bounds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cramjam
import pytest

from dlp.extract import Limits
from dlp.extract.iwork import iwa_texts, unsnappy
from dlp.model import UnscannableReason
from tests.extract.makers import from_bytes, from_path, text_of

DATA = Path(__file__).resolve().parents[1] / "data" / "iwork"


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def iwa(*payloads: bytes) -> bytes:
    """An IWA file: for each payload an ArchiveInfo naming its length, in Snappy chunks."""
    stream = b""
    for identifier, payload in enumerate(payloads, start=1):
        info = varint(1 << 3) + varint(identifier)
        info += field(2, varint(1 << 3) + varint(2001) + varint(3 << 3) + varint(len(payload)))
        stream += varint(len(info)) + info + payload
    chunks = b""
    for start in range(0, len(stream), 65536):
        block = bytes(cramjam.snappy.compress_raw(stream[start : start + 65536]))
        chunks += b"\x00" + len(block).to_bytes(3, "little") + block
    return chunks


def package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("testPages2013.pages", "Some plain text to parse."),
        ("testPages2013.pages", "Cell eight"),  # a table in the Pages document
        ("testKeynote2018.key", "I save in Apple Key App as default .key"),  # Index.zip inside
        ("testNumbers2013.numbers", "Checking Account: 300545668"),
        ("testNumbers2013.numbers", "Security deposit return"),  # a cell
        ("issue-18.numbers", "B3:D3"),
    ],
)
def test_text_of_real_iwork_files(name, expected):
    segments, reasons = from_path(DATA / name)
    assert not reasons
    assert expected in text_of(segments).splitlines()


def test_text_keeps_the_iwa_it_came_from_and_accents():
    message = field(3, "Plan 504 de María: Student ID 4481902".encode())
    data = package({"Index/Document.iwa": iwa(field(1, message))})
    segments, reasons = from_bytes(data, "plan.pages")
    assert not reasons
    assert [(s.text, s.location.part) for s in segments] == [
        ("Plan 504 de María: Student ID 4481902", "Document")
    ]


def test_a_nested_message_that_looks_like_text_is_read_as_a_message():
    # "\n" + a length byte + text: printable, but a message with one string field.
    text = "Student ID 4481902 and the IEP meeting notes"
    nested = field(1, text.encode())
    assert nested.decode().isprintable() is False and nested[1:].decode().isprintable()
    assert list(iwa_texts(unsnappy(iwa(field(5, nested)), Limits()))) == [text]


def test_password_protected_and_damaged_iwork_files():
    locked = package({"Index/Document.iwa": b"\x00\x01\x02", ".iwpv2": b"hint"})
    _, reasons = from_bytes(locked, "locked.pages")
    assert [r.reason for r in reasons] == [UnscannableReason.ENCRYPTED]
    segments, reasons = from_path(DATA / "testPagesPwdProtected.pages")  # iWork '09
    assert not segments
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("testPagesPwdProtected.pages",), UnscannableReason.ENCRYPTED)
    ]
    _, reasons = from_path(DATA / "corrupted.numbers")
    assert [r.reason for r in reasons] == [UnscannableReason.CORRUPT]


def test_snappy_data_over_the_file_limit_is_refused_before_it_is_inflated():
    zeros = field(1, b"\0" * 300_000)
    data = package({"Index/Document.iwa": iwa(zeros)})
    _, reasons = from_bytes(data, "big.pages", Limits(max_file_bytes=100_000))
    assert [r.reason for r in reasons] == [UnscannableReason.TOO_LARGE]


def test_bounds_of_the_zip_apply():
    data = package({"Index/Document.iwa": iwa(field(1, b"\0" * 3_000_000))})
    _, reasons = from_bytes(data, "bomb.pages", Limits(max_ratio=5))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    pictures = {f"Data/photo-{n}.txt": b"IEP" for n in range(3)}
    data = package({"Index/Document.iwa": iwa(field(1, b"x")), **pictures})
    _, reasons = from_bytes(data, "many.pages", Limits(max_members=2))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_other_files_zipped_with_a_document_are_not_dropped():
    # A Mac zips a folder: the .pages package is a folder of its own inside it.
    data = package(
        {
            "IEP folder/plan.pages/Index/Document.iwa": iwa(field(1, b"Plan 504 for Ana")),
            "IEP folder/plan.pages/Metadata/Properties.plist": b"<plist/>",
            "IEP folder/plan.pages/preview.jpg": b"\xff\xd8\xff\xe0 preview",
            "IEP folder/plan.pages/Data/scan.txt": b"Student ID 4481902",
            "IEP folder/roster.csv": b"Name\nAna Ruiz\n",
        }
    )
    segments, reasons = from_bytes(data, "IEP folder.zip")
    assert not reasons  # the preview (a render of the document) is not reported as an image
    text = text_of(segments)
    assert "Plan 504 for Ana" in text and "Student ID 4481902" in text and "Ana Ruiz" in text
    part = next(s.location.part for s in segments if s.text == "Plan 504 for Ana")
    assert part == "Document"


def test_a_zip_that_merely_holds_a_file_named_index_zip_is_a_plain_zip():
    inner = package({"notes.txt": b"IEP meeting notes"})
    data = package({"backup/Index.zip": inner, "backup/grades.csv": b"Grade\nB+\n"})
    segments, reasons = from_bytes(data, "backup.zip")
    assert not reasons
    assert {"IEP meeting notes", "B+"} <= {s.text for s in segments}
