"""RAR archives from public test suites (RAR's writer is non-free): rarfile's and Tika's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlp.extract import Limits
from dlp.extract.rararchive import libarchive_module
from dlp.model import UnscannableReason
from tests.extract.makers import from_bytes, from_path, text_of

DATA = Path(__file__).resolve().parents[1] / "data" / "rar"
ROOT = Path(__file__).resolve().parents[2]

# Decompressing RAR needs the C library (Debian's libarchive13); without it RAR is "unsupported"
# with what to install, which the last test checks wherever it runs. Encryption is seen without.
needs_libarchive = pytest.mark.skipif(
    libarchive_module() is None, reason="libarchive (Debian libarchive13) is not installed"
)


def where(reasons):
    return [(r.location.path, r.reason) for r in reasons]


@needs_libarchive
def test_members_of_a_real_rar4_archive_are_extracted_as_files():
    segments, reasons = from_path(DATA / "test-documents.rar")
    assert not reasons
    text = text_of(segments)
    assert "Sample Excel Worksheet" in text  # testEXCEL.xls inside
    paths = {segment.location.path for segment in segments}
    assert ("test-documents.rar", "test-documents/testEXCEL.xls") in paths
    assert ("test-documents.rar", "test-documents/testPDF.pdf") in paths


@needs_libarchive
def test_rar5_solid_and_unicode_names_are_read():
    segments, reasons = from_path(DATA / "rar5-solid.rar")
    assert not reasons
    assert {s.location.path[-1] for s in segments} == {"stest1.txt", "stest2.txt"}
    segments, reasons = from_path(DATA / "rar5-subdirs.rar")
    assert not reasons
    assert ("rar5-subdirs.rar", "sub/üȵĩöḋè/file.txt") in {s.location.path for s in segments}


@pytest.mark.parametrize("name", ["rar5-psw.rar"])
def test_password_protected_members_are_encrypted(name):
    segments, reasons = from_path(DATA / name)
    assert not [s for s in segments if s.location.part != "file name"]
    assert reasons and {r.reason for r in reasons} == {UnscannableReason.ENCRYPTED}
    assert all(len(r.location.path) == 2 and "password" in r.detail for r in reasons)


@pytest.mark.parametrize("name", ["rar5-hpsw.rar", "test-documents-enc.rar"])
def test_an_encrypted_file_list_makes_the_whole_archive_encrypted(name):
    segments, reasons = from_path(DATA / name)
    assert not segments
    assert where(reasons) == [((name,), UnscannableReason.ENCRYPTED)]


@needs_libarchive
def test_what_libarchive_cannot_decompress_is_unsupported_with_a_reason():
    # A solid RAR 4 archive: its first member is read, the rest is reported, never dropped.
    segments, reasons = from_path(DATA / "rar3-solid.rar")
    assert "stest1.txt" in {s.location.path[-1] for s in segments}
    assert where(reasons) == [(("rar3-solid.rar",), UnscannableReason.UNSUPPORTED)]
    assert "solid RAR 4" in reasons[0].detail


@needs_libarchive
def test_limits_apply_as_for_zip():
    _, reasons = from_path(DATA / "rar5-subdirs.rar", Limits(max_members=2))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    # Declared sizes add up to 24 times the archive's size.
    _, reasons = from_path(DATA / "rar5-solid.rar", Limits(ratio_floor_bytes=100, max_ratio=10))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    _, reasons = from_path(DATA / "rar5-solid.rar", Limits(max_file_bytes=1000))
    assert {r.reason for r in reasons} == {UnscannableReason.TOO_LARGE}
    assert len(reasons) == 2 and all(len(r.location.path) == 2 for r in reasons)
    _, reasons = from_path(DATA / "rar5-solid.rar", Limits(max_depth=0))
    assert {r.reason for r in reasons} == {UnscannableReason.BOMB}
    _, reasons = from_path(DATA / "test-documents.rar", Limits(max_seconds=0.0))
    assert [r.reason for r in reasons] == [UnscannableReason.TIMEOUT]


@needs_libarchive
def test_a_damaged_archive_is_corrupt():
    data = (DATA / "test-documents.rar").read_bytes()
    for cut in (40, len(data) // 2):
        _, reasons = from_bytes(data[:cut], "cut.rar")
        assert [r.reason for r in reasons] == [UnscannableReason.CORRUPT], cut
        assert "RAR" in reasons[0].detail


def test_without_libarchive_a_rar_is_unsupported_and_says_what_to_install():
    # libarchive-c loads the C library on import, from LIBARCHIVE when it is set.
    script = (
        "import json, sys\n"
        "from tests.extract.makers import from_path\n"
        "_, reasons = from_path(sys.argv[1])\n"
        "print(json.dumps([[r.reason.value, r.detail] for r in reasons]))\n"
    )
    env = {**os.environ, "LIBARCHIVE": "/nonexistent/libarchive.so.13", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(DATA / "rar5-solid.rar")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    reasons = json.loads(done.stdout)
    assert len(reasons) == 1 and reasons[0][0] == "unsupported"
    assert "libarchive13" in reasons[0][1]


@pytest.mark.parametrize("name", ["rar5-vols.part1.rar", "rar5-vols.part2.rar"])
def test_one_part_of_a_multi_volume_archive_is_unsupported_with_a_reason(name):
    segments, reasons = from_path(DATA / name)
    assert not segments
    assert where(reasons) == [((name,), UnscannableReason.UNSUPPORTED)]
    assert "multi-volume" in reasons[0].detail


def test_a_rar4_compressed_comment_needs_an_unrar_or_bsdtar_program():
    # rarfile unpacks such a comment while listing the members, through whichever of these
    # programs it finds; without one the archive says what to install.
    segments, reasons = from_path(DATA / "rar3-comment-psw.rar")
    assert not [s for s in segments if s.location.part != "file name"]
    if any(shutil.which(tool) for tool in ("unrar", "unar", "7z", "bsdtar")):
        assert reasons and {r.reason for r in reasons} == {UnscannableReason.ENCRYPTED}
    else:
        assert where(reasons) == [(("rar3-comment-psw.rar",), UnscannableReason.UNSUPPORTED)]
        assert "libarchive-tools" in reasons[0].detail
