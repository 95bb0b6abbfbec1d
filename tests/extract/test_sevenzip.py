"""7-Zip archives written by py7zr (the real writer), read under the same bounds as zip."""

from __future__ import annotations

import io

import py7zr

from dlp.extract import Limits
from dlp.model import UnscannableReason
from tests.extract.makers import from_bytes, from_path, text_of, zip_of


def seven(members: dict[str, bytes], password: str | None = None, header: bool = False) -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", password=password) as archive:
        if header:
            archive.set_encrypted_header(True)
        for name, data in members.items():
            archive.writestr(data, name)
    return buffer.getvalue()


def test_members_are_read_with_their_names_and_nested_archives():
    inner = zip_of({"roster.csv": b"Student ID,Name\n4481902,Ana Ruiz\n"})
    data = seven({"IEP/notes.txt": b"SSN 536-22-1234 for the 504 plan", "more.zip": inner})
    segments, reasons = from_bytes(data, "bundle.7z")
    assert not reasons
    by_text = {segment.text: segment for segment in segments}
    assert by_text["SSN 536-22-1234 for the 504 plan"].location.path == (
        "bundle.7z",
        "IEP/notes.txt",
    )
    assert by_text["4481902"].location.path == ("bundle.7z", "more.zip", "roster.csv")


def test_password_protected_members_are_encrypted_with_a_reason():
    _, reasons = from_bytes(seven({"a.txt": b"Student ID 4481902"}, password="pw"), "x.7z")
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("x.7z", "a.txt"), UnscannableReason.ENCRYPTED)
    ]
    assert "password" in reasons[0].detail


def test_an_encrypted_file_list_makes_the_whole_archive_encrypted():
    data = seven({"a.txt": b"Student ID 4481902"}, password="pw", header=True)
    segments, reasons = from_bytes(data, "x.7z")
    assert not segments
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("x.7z",), UnscannableReason.ENCRYPTED)
    ]


def test_an_archive_of_zeros_is_a_bomb_on_its_declared_sizes():
    data = seven({"zeros.bin": b"\0" * (30 * 1024 * 1024)})
    assert len(data) < 100_000
    _, reasons = from_bytes(data, "bomb.7z")
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_a_member_over_the_file_limit_is_refused_alone():
    data = seven({"big.txt": b"x" * 5000, "small.txt": b"IEP meeting"})
    segments, reasons = from_bytes(data, "x.7z", Limits(max_file_bytes=1000))
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("x.7z", "big.txt"), UnscannableReason.TOO_LARGE)
    ]
    assert "IEP meeting" in text_of(segments)


def test_member_count_and_nesting_depth_are_bounded():
    many = seven({f"{n}.txt": b"note" for n in range(3)})
    _, reasons = from_bytes(many, "many.7z", Limits(max_members=2))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    assert "more than 2 members" in reasons[0].detail

    nested = seven({"a.txt": b"deep"})
    for level in range(3):
        nested = seven({f"level{level}.7z": nested})
    _, reasons = from_bytes(nested, "top.7z", Limits(max_depth=2))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_reading_is_bounded_in_time():
    _, reasons = from_bytes(seven({"a.txt": b"IEP"}), "x.7z", Limits(max_seconds=0.0))
    assert [r.reason for r in reasons] == [UnscannableReason.TIMEOUT]


def test_a_damaged_archive_is_corrupt():
    data = seven({"a.txt": b"Student ID 4481902 " * 200})
    _, reasons = from_bytes(data[: len(data) // 2], "cut.7z")
    assert [r.reason for r in reasons] == [UnscannableReason.CORRUPT]
    assert "7-Zip" in reasons[0].detail


def test_real_7z_files_from_tika(corpus):
    pkg = corpus / "docs/tika/pkg"
    segments, reasons = from_path(pkg / "test-documents.7z")
    assert not reasons
    assert "Sample Excel Worksheet" in text_of(segments)
    for name in ("full_encrypted.7z", "test7Z_protected_passTika.7z"):
        _, reasons = from_path(pkg / name)
        assert reasons and {r.reason for r in reasons} == {UnscannableReason.ENCRYPTED}, name
