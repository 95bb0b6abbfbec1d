"""RFC 5322 messages: every header, body and attachment, located; damage stays local."""

from __future__ import annotations

import base64
from email.message import EmailMessage

from dlp.extract import Limits, extract_message
from dlp.model import Location, UnscannableReason
from tests.extract import makers
from tests.extract.makers import collect, text_of

MESSAGE = Location(path=("message",))


def extract(raw: bytes, limits: Limits | None = None):
    return collect(extract_message(raw, MESSAGE, limits or Limits()))


def test_headers_bodies_and_an_xlsx_attachment_with_cell_locations():
    message = EmailMessage()
    message["Subject"] = "P3 grades for Ana"
    message["From"] = "Ms Teacher <teacher@district.example>"
    message["To"] = "Parent One <p1@example.com>, p2@example.com"
    message["Cc"] = "=?utf-8?q?Jos=C3=A9_Counselor?= <c@example.com>"
    message.set_content("Plain body with ID 604822")
    message.add_alternative("<p>HTML body <b>bold</b></p>", subtype="html")
    workbook = makers.xlsx(
        {"P3": [["Name", "Student ID", "Grade"], ["Ana", 604822, "B+"], ["Bo", 604823, "C"]]}
    )
    message.add_attachment(
        workbook,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="grades.xlsx",
    )
    segments, reasons = extract(message.as_bytes())
    assert not reasons
    parts = {s.location.part: s.text for s in segments if s.location.path == ("message",)}
    assert parts["Subject"] == "P3 grades for Ana"
    assert parts["From"] == "Ms Teacher"
    assert parts["To"] == "Parent One"
    assert parts["Cc"] == "Jos\u00e9 Counselor"
    assert "ID 604822" in parts["body"]
    assert "HTML body bold" in parts["html body"]
    cell = next(s for s in segments if s.text == "C")
    assert cell.location == Location(
        path=("message", "grades.xlsx"), sheet="P3", cell="C3", column="Grade"
    )
    assert str(cell.location) == "message / grades.xlsx / sheet P3 / C3"


def test_nested_message_and_rfc2231_attachment_name():
    inner = EmailMessage()
    inner["Subject"] = "Forwarded IEP"
    inner.set_content("IEP goals for Ana")
    inner.add_attachment(
        b"Name,DOB\nAna,3/9/2011\n",
        maintype="text",
        subtype="csv",
        filename="\u00e9l\u00e8ves list.csv",
    )
    outer = EmailMessage()
    outer["Subject"] = "fyi"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    segments, reasons = extract(outer.as_bytes())
    assert not reasons
    nested = [s for s in segments if len(s.location.path) == 2]
    assert any(s.location.part == "Subject" and s.text == "Forwarded IEP" for s in nested)
    assert any("IEP goals" in s.text for s in nested)
    dob = next(s for s in segments if s.text == "3/9/2011")
    assert dob.location.path[-1] == "\u00e9l\u00e8ves list.csv"
    assert dob.context == "DOB"


def test_wrong_and_unknown_charsets_fall_back():
    raw = (
        b"Subject: =?x-bogus?B?SGVsbG8=?= and =?iso-8859-1?Q?caf=E9?=\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"na\xc3\xafve utf-8 declared as ascii\r\n"
    )
    segments, reasons = extract(raw)
    assert not reasons
    parts = {s.location.part: s.text for s in segments}
    assert parts["Subject"] == "Hello and caf\u00e9"
    assert "na\u00efve" in parts["body"]
    raw = b"Content-Type: text/plain; charset=klingon\r\n\r\ncaf\xe9\r\n"
    assert "caf\u00e9" in text_of(extract(raw)[0])


def test_quoted_printable_and_base64_bodies():
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"SSN=3D 078-05-1120 soft=\r\nbreak\r\n--b\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes("second b\u00f6dy".encode())
        + b"--b--\r\n"
    )
    segments, _ = extract(raw)
    text = text_of(segments)
    assert "SSN= 078-05-1120 softbreak" in text and "second b\u00f6dy" in text
    assert {s.location.part for s in segments} == {"body", "body 2"}


def test_damaged_part_does_not_hide_the_rest():
    raw = (
        b"Subject: report\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nbefore the damage\r\n--b\r\n"
        b"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;"
        b" name=broken.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(makers.docx(["lost"])[:300])
        + b"--b\r\nContent-Type: text/csv; name=after.csv\r\n\r\nID\r\n604822\r\n--b--\r\n"
    )
    segments, reasons = extract(raw)
    assert "before the damage" in text_of(segments)
    assert any(s.text == "604822" and s.location.path == ("message", "after.csv") for s in segments)
    assert [(r.location.path, r.reason) for r in reasons] == [
        (("message", "broken.docx"), UnscannableReason.CORRUPT)
    ]


def test_calendar_invite_and_encrypted_parts():
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/calendar; method=REQUEST\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:IEP meeting for Ana\r\n"
        b"ATTENDEE;CN=Parent One:mailto:p1@example.com\r\nDESCRIPTION:Bring the 504\\, plan\r\n"
        b"  please\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b\r\n"
        b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n--b--\r\n"
    )
    segments, reasons = extract(raw)
    calendar = text_of([s for s in segments if s.location.part == "calendar"])
    assert "IEP meeting for Ana" in calendar and "Parent One" in calendar
    assert "Bring the 504, plan please" in calendar
    assert [(r.location.path[-1], r.reason) for r in reasons] == [
        ("smime.p7m", UnscannableReason.ENCRYPTED)
    ]


def test_garbage_is_never_an_exception():
    for raw in (
        b"",
        b"\x00\xff" * 100,
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"Subject: =?utf-8?B?###?=\r\n\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
    ):
        collect(extract_message(raw, MESSAGE, Limits()))


def test_deeply_forwarded_messages_stop_at_the_depth_limit():
    message = EmailMessage()
    message.set_content("innermost secret")
    for level in range(8):
        outer = EmailMessage()
        outer["Subject"] = f"level {level}"
        outer.set_content("wrapper")
        outer.add_attachment(message)
        message = outer
    segments, reasons = extract(message.as_bytes(), Limits(max_depth=3))
    assert [r.reason for r in reasons] == [UnscannableReason.BOMB]
    assert "innermost secret" not in text_of(segments)


def test_attachment_and_member_names_are_scanned_and_masked_where_written(scanner):
    import zipfile
    from io import BytesIO

    members = BytesIO()
    with zipfile.ZipFile(members, "w") as archive:
        archive.writestr("IEP progress 536-22-1234.txt", "see the notes")
    message = EmailMessage()
    message["Subject"] = "files"
    message.set_content("two files")
    # A non-ASCII name: the stdlib writes it as an RFC 2231 filename*= parameter.
    message.add_attachment(
        b"notes", maintype="text", subtype="plain", filename="\u00e9l\u00e8ve SSN 536-22-1234.txt"
    )
    message.add_attachment(
        members.getvalue(), maintype="application", subtype="zip", filename="records.zip"
    )
    assert b"filename*=" in message.as_bytes()
    segments, reasons = extract(message.as_bytes())
    assert not reasons
    names = [s for s in segments if s.location.part == "file name"]
    assert {s.text for s in names} == {
        "\u00e9l\u00e8ve SSN 536-22-1234.txt",
        "records.zip",
        "IEP progress 536-22-1234.txt",
    }
    findings = [f for s in segments for f in scanner.scan(s)]
    ssns = [f for f in findings if f.entity_type == "US_SSN"]
    assert len(ssns) == 2
    assert any(f.entity_type == "SPECIAL_EDUCATION" for f in findings)
    for finding in ssns:
        written = finding.to_dict()["location"]
        assert "536-22-1234" not in written and "###-##-####" in written
