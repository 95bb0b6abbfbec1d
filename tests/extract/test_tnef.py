"""TNEF (winmail.dat) from Outlook, on files Outlook wrote (Tika's and tnefparse's samples)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from dlp.extract import Limits, extract_message
from dlp.model import Location, UnscannableReason
from tests.extract.makers import collect, from_bytes, from_path, text_of

DATA = Path(__file__).resolve().parents[1] / "data" / "tnef"


def test_winmail_dat_body_and_every_attachment_are_read():
    segments, reasons = from_path(DATA / "testWINMAIL.dat")
    assert not reasons
    body = text_of([s for s in segments if s.location.part == "body"])
    assert "Five files from Hell" in body
    by_file = {s.location.path[1] for s in segments if len(s.location.path) > 1}
    assert {"quick.doc", "quick.html", "quick.pdf", "quick.txt", "quick.xml"} <= by_file
    pdf = [s for s in segments if s.location.path[1:] == ("quick.pdf",) and s.location.page]
    assert "The quick brown fox" in text_of(pdf)


def test_subject_attachment_names_html_and_rtf_bodies():
    segments, _ = from_path(DATA / "two-files.tnef")
    assert [s.text for s in segments if s.location.part == "Subject"] == ["two files"]
    assert {"AUTHORS", "README"} <= {s.text for s in segments if s.location.part == "file name"}
    segments, _ = from_path(DATA / "body.tnef")
    html = text_of([s for s in segments if s.location.part == "html body"])
    assert "THE BILL OF RIGHTS" in html
    segments, _ = from_path(DATA / "rtf.tnef")
    rtf = text_of([s for s in segments if s.location.part == "body"])
    assert "agka;kgag" in rtf and "\\par" not in rtf  # decompressed and read as RTF


def test_winmail_dat_attached_to_a_message_is_read():
    message = EmailMessage()
    message["Subject"] = "IEP"
    message.set_content("see attached")
    message.add_attachment(
        (DATA / "testWINMAIL.dat").read_bytes(),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    segments, reasons = collect(extract_message(message.as_bytes(), Location(path=("m",))))
    assert not reasons
    inside = [s for s in segments if s.location.path[:2] == ("m", "winmail.dat")]
    assert "The quick brown fox" in text_of(inside)


def test_attachment_count_size_and_depth_are_bounded():
    _, reasons = from_path(DATA / "testWINMAIL.dat", Limits(max_message_bytes=10_000))
    assert [r.reason for r in reasons] == [UnscannableReason.TOO_LARGE]
    _, reasons = from_path(DATA / "two-files.tnef", Limits(max_members=1))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    _, reasons = from_path(DATA / "one-file.tnef", Limits(max_depth=0))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]


def test_a_damaged_tnef_is_corrupt():
    data = (DATA / "testWINMAIL.dat").read_bytes()
    _, reasons = from_bytes(data[:20], "winmail.dat")
    assert [r.reason for r in reasons] == [UnscannableReason.CORRUPT]
    assert "TNEF" in reasons[0].detail
    # Cut inside an attachment: what is there is read, and the cut is reported.
    segments, reasons = from_bytes(data[: len(data) // 2], "winmail.dat")
    assert "Five files from Hell" in text_of(segments)
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("winmail.dat",), UnscannableReason.CORRUPT)
    ]


def test_line_ends_after_the_last_object_are_padding_not_a_cut():
    data = (DATA / "testWINMAIL.dat").read_bytes()
    assert from_bytes(data + b"\r\n", "winmail.dat")[1] == []
    _, reasons = from_bytes(data + b"\x02\x0d\x80", "winmail.dat")
    assert [r.reason for r in reasons] == [UnscannableReason.CORRUPT]
