"""Bombs, nesting, encryption, size and time: each gets the right reason, within the limits."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from dlp.extract import Limits, extract_bytes
from dlp.model import Location, Segment, UnscannableReason
from tests.extract import makers
from tests.extract.makers import collect, from_bytes, from_path, text_of


def test_zip_bomb_is_refused_from_its_declared_sizes():
    bomb = makers.zip_of({"zeros.txt": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    started = time.perf_counter()
    _, reasons = from_bytes(bomb, "bomb.zip")
    assert time.perf_counter() - started < 2
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    assert "times" in reasons[0].detail


def test_member_whose_header_lies_about_its_size_is_still_bounded():
    # A gzip stream carries no size: the ratio is judged while decompressing.
    import gzip

    bomb = gzip.compress(b"a" * (30 * 1024 * 1024))
    _, reasons = from_bytes(bomb, "a.txt.gz")
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_deeply_nested_archive_stops_at_the_depth_limit():
    data = makers.zip_of({"secret.txt": b"innermost secret"})
    for level in range(10):
        data = makers.zip_of({f"level{level}.zip": data})
    segments, reasons = from_bytes(data, "nested.zip")
    assert [s.text for s in segments] == [f"level{level}.zip" for level in range(9, 4, -1)]
    assert {s.location.part for s in segments} == {"file name"}
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    assert len(reasons[0].location.path) == Limits().max_depth + 2
    assert "deep" in reasons[0].detail


def test_member_count_limit():
    data = makers.zip_of({f"f{n}.txt": b"x" for n in range(30)})
    segments, reasons = from_bytes(data, "many.zip", Limits(max_members=10))
    assert len([s for s in segments if s.location.part != "file name"]) == 10
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_encrypted_zip_member():
    # zipfile cannot write encrypted members: set the flag the way an encrypting tool does.
    data = bytearray(
        makers.zip_of({"plain.txt": b"readable", "locked.txt": b"secret"}, zipfile.ZIP_STORED)
    )
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    locked = archive.getinfo("locked.txt")
    data[locked.header_offset + 6] |= 1
    second_central_entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    data[second_central_entry + 8] |= 1
    segments, reasons = from_bytes(bytes(data), "locked.zip")
    assert "readable" in text_of(segments)
    assert [(r.location.path[-1], r.reason) for r in reasons] == [
        ("locked.txt", UnscannableReason.ENCRYPTED)
    ]


def test_encrypted_pdf():
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(makers.pdf(["Student ID 604822"])))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    segments, reasons = from_bytes(out.getvalue(), "locked.pdf")
    assert not segments
    assert [r.reason for r in reasons] == [UnscannableReason.ENCRYPTED]


def test_encrypted_docx_from_the_corpus(corpus):
    path = corpus / "docs/tika/microsoft/testWORD_protected_passtika.docx"
    segments, reasons = from_path(path)
    assert not segments
    assert [(r.reason, r.detail) for r in reasons] == [
        (UnscannableReason.ENCRYPTED, "password-protected Office document")
    ]


def test_sparse_gigabyte_file_is_too_large_without_being_read(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(1024 * 1024 * 1024)
    started = time.perf_counter()
    segments, reasons = from_path(path)
    assert time.perf_counter() - started < 1
    assert not segments
    assert [r.reason for r in reasons] == [UnscannableReason.TOO_LARGE]
    assert "1,073,741,824 bytes" in reasons[0].detail
    # Under a name that says nothing, the first bytes say "not an archive" just the same.
    renamed = tmp_path / "huge"
    path.rename(renamed)
    assert [r.reason for r in from_path(renamed)[1]] == [UnscannableReason.TOO_LARGE]


def test_character_budget_per_item():
    data = ("x" * 1000 + "\n").encode() * 200
    segments, reasons = from_bytes(data, "big.txt", Limits(max_chars=50_000, segment_chars=10_000))
    assert sum(len(s.text) for s in segments) <= 50_000
    assert [r.reason for r in reasons] == [UnscannableReason.TOO_LARGE]


def test_time_limit_stops_between_rows():
    # 15 MB: read in bulk (numpy), 60,000 rows took less than the limit on a quiet machine.
    rows = "".join(f"{n},Name {n},078-05-{n % 10000:04d}\n" for n in range(500_000))
    data = ("ID,Name,SSN\n" + rows).encode()
    segments, reasons = from_bytes(data, "slow.csv", Limits(max_seconds=0.05))
    assert [r.reason for r in reasons] == [UnscannableReason.TIMEOUT]
    assert 0 < len(segments) < 1_500_000


def test_time_spent_by_the_caller_does_not_count():
    data = makers.zip_of({f"f{n}.txt": b"text" for n in range(5)})
    items = []
    for item in extract_bytes(data, "z.zip", Location(path=("z.zip",)), Limits(max_seconds=0.05)):
        time.sleep(0.03)
        items.append(item)
    assert all(isinstance(item, Segment) for item in items) and len(items) == 10  # and names


def test_file_limit_on_archive_members():
    data = makers.zip_of({"big.txt": b"abc\n" * 300_000}, zipfile.ZIP_STORED)
    _, reasons = from_bytes(data, "z.zip", Limits(max_file_bytes=1_000_000))
    assert [(r.location.path[-1], r.reason) for r in reasons] == [
        ("big.txt", UnscannableReason.TOO_LARGE)
    ]


def test_unreadable_and_special_files(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.perf_counter()
    _, reasons = from_path(fifo)
    assert time.perf_counter() - started < 1
    assert [r.reason for r in reasons] == [UnscannableReason.UNSUPPORTED]
    collect(extract_bytes(b"", "empty.docx", Location(), Limits()))


def test_mailbox_without_line_breaks_is_refused_in_bounded_memory(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "damaged.mbox"
    with open(path, "wb") as handle:
        handle.write(b"From a@b.example Mon Jan  1 00:00:00 2024\nSubject: x\n\n")
        handle.truncate(200 * 1024 * 1024)  # then 200 MB of NUL bytes and no line break
    # In a process of its own, so the peak memory measured is this extraction's alone.
    script = (
        "import sys; from pathlib import Path; from dlp.extract import extract_path;"
        "items = list(extract_path(Path(sys.argv[1])));"
        "print([(i.location.path[-1], i.reason.value) for i in items]);"
        # VmHWM, not ru_maxrss: after a fork the latter can still count the parent's pages.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0];"
        "print(int(hwm.split()[1]) // 1024)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found, peak_mib = result.stdout.splitlines()
    assert found == "[('message 1', 'too large')]"
    assert int(peak_mib) < 200  # the interpreter and its imports, plus one bounded message


def test_mailbox_long_lines_are_read_in_pieces_without_losing_messages():
    # A line of blanks exactly as long as one read, then "From " inside the same line: a
    # piece that starts with "From " after a blank piece is still not a separator.
    long_body = b" " * (1024 * 1024) + b"From here on, no separator\n"
    mailbox = (
        b"From a@b.example Mon Jan  1 00:00:00 2024\nSubject: first\n\n"
        + long_body
        + b"\nFrom c@d.example Mon Jan  1 00:00:01 2024\nSubject: second SSN 536-22-1234\n\n"
        b"body two\n"
    )
    segments, reasons = from_bytes(mailbox, "box.mbox")
    assert not reasons
    subjects = [s.text for s in segments if s.location.part == "Subject"]
    assert subjects == ["first", "second SSN 536-22-1234"]
    assert "From here on" in text_of([s for s in segments if s.location.path[-1] == "message 1"])
