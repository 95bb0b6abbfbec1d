"""Each format gives its text with the location a security officer would look for."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import pytest

from dlp.model import Location, UnscannableReason
from tests.extract import makers
from tests.extract.makers import from_bytes, text_of


def test_csv_cells_carry_row_column_and_header_context():
    data = b'Student ID,Name,Grade\r\n604822,Ana Ruiz,B+\r\n604823,"Lee, Kim",A\r\n'
    segments, reasons = from_bytes(data, "roster.csv")
    assert not reasons
    by_text = {segment.text: segment for segment in segments}
    cell = by_text["604823"]
    assert cell.location == Location(path=("roster.csv",), row=3, column="Student ID")
    assert cell.context == "Student ID"
    assert by_text["Lee, Kim"].context == "Name"
    assert str(by_text["B+"].location) == "roster.csv / row 2 / column Grade"
    # Header cells are scanned too, without context of their own.
    assert by_text["Student ID"].context == ""


def test_tsv_and_semicolon_csv_split_on_their_delimiter():
    segments, _ = from_bytes(b"ID\tNote\n1\tpasses; fine\n", "x.tsv")
    assert {s.text for s in segments} == {"ID", "Note", "1", "passes; fine"}
    segments, _ = from_bytes("ID;Note\n1;a,b\n".encode("cp1252"), "x.csv")
    assert {s.text for s in segments} == {"ID", "Note", "1", "a,b"}


def test_xlsx_cells_sheets_and_header_context():
    data = makers.xlsx(
        {
            "Grades": [["Student ID", "Name", "Grade"], [604822, "Ana Ruiz", "B+"]],
            "P3": [["Student ID", "Score"], [1, 2], [3, 4], [604899, 97]],
        }
    )
    segments, reasons = from_bytes(data, "export.xlsx")
    assert not reasons
    by_text = {segment.text: segment for segment in segments}
    assert by_text["604822"].location.sheet == "Grades"
    assert by_text["604822"].location.cell == "A2"
    assert by_text["604822"].context == "Student ID"
    assert str(by_text["604899"].location) == "export.xlsx / sheet P3 / A4"
    assert by_text["97"].context == "Score"


def test_xlsx_dates_read_as_dates():
    import datetime

    data = makers.xlsx({"S": [["DOB"], [datetime.date(2011, 3, 9)]]})
    segments, _ = from_bytes(data, "dob.xlsx")
    assert "3/9/2011" in {segment.text for segment in segments}


def test_pdf_text_by_page_and_image_pages_reported():
    data = makers.pdf(["first page text", "second page SSN 078-05-1120", None])
    segments, reasons = from_bytes(data, "report.pdf")
    assert [(s.location.page, s.text.strip()) for s in segments] == [
        (1, "first page text"),
        (2, "second page SSN 078-05-1120"),
    ]
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]
    assert "page 3" in reasons[0].detail


def test_scanned_pdf_is_image_content():
    _, reasons = from_bytes(makers.pdf([None, None]), "scan.pdf")
    assert [r.reason for r in reasons] == [UnscannableReason.IMAGE_CONTENT]
    assert reasons[0].detail.endswith("every page")


def test_docx_body_and_header():
    data = makers.docx(["Dear parent,", "Student ID 604822"], header="Confidential IEP")
    segments, reasons = from_bytes(data, "letter.docx")
    assert not reasons
    body = [s for s in segments if s.location.part is None]
    assert "Student ID 604822" in text_of(body)
    header = [s for s in segments if s.location.part == "header"]
    assert "Confidential IEP" in text_of(header)


def test_pptx_slides_and_notes():
    data = makers.pptx([("Welcome", None), ("Roster", "call 555-0100 about Ana")])
    segments, _ = from_bytes(data, "deck.pptx")
    slide2 = [s for s in segments if s.location.page == 2]
    assert any("Roster" in s.text and s.location.part is None for s in slide2)
    assert any("555-0100" in s.text and s.location.part == "notes" for s in slide2)


def test_odt_and_ods_built_by_hand():
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    )
    odt = makers.zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": f"<office:document-content {ns}><office:body><office:text>"
            "<text:p>SSN<text:s text:c='2'/>078-05-1120</text:p></office:text></office:body>"
            "</office:document-content>".encode(),
        }
    )
    segments, _ = from_bytes(odt, "memo.odt")
    assert "SSN  078-05-1120" in text_of(segments)
    ods = makers.zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": f"<office:document-content {ns}><office:body><office:spreadsheet>"
            "<table:table table:name='Roster'>"
            "<table:table-row><table:table-cell table:number-columns-repeated='2'/>"
            "<table:table-cell><text:p>Student ID</text:p></table:table-cell></table:table-row>"
            "<table:table-row table:number-rows-repeated='3'/>"
            "<table:table-row><table:table-cell table:number-columns-repeated='2'/>"
            "<table:table-cell><text:p>604822</text:p></table:table-cell></table:table-row>"
            "</table:table></office:spreadsheet></office:body></office:document-content>".encode(),
        }
    )
    segments, _ = from_bytes(ods, "roster.ods")
    cell = next(s for s in segments if s.text == "604822")
    assert (cell.location.sheet, cell.location.cell, cell.context) == ("Roster", "C5", "Student ID")


def test_nested_zip_locations():
    inner = makers.zip_of({"Teachers/3rd period.xlsx": makers.xlsx({"Grades": [["ID"], [7]]})})
    outer = makers.zip_of({"nested/inner.zip": inner, "readme.txt": b"hello"})
    segments, reasons = from_bytes(outer, "export.zip")
    assert not reasons
    cell = next(s for s in segments if s.text == "7")
    assert cell.location == Location(
        path=("export.zip", "nested/inner.zip", "Teachers/3rd period.xlsx"),
        sheet="Grades",
        cell="A2",
        column="ID",
    )
    assert str(cell.location) == (
        "export.zip / nested/inner.zip / Teachers/3rd period.xlsx / sheet Grades / A2"
    )


def test_tar_gz_and_plain_gz():
    payload = b"Name,SSN\nAna,078-05-1120\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("export/people.csv")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    segments, reasons = from_bytes(buffer.getvalue(), "export.tgz")
    assert not reasons
    ssn = next(s for s in segments if s.text == "078-05-1120")
    assert ssn.location.path == ("export.tgz", "export.tar", "export/people.csv")
    assert ssn.context == "SSN"
    segments, _ = from_bytes(gzip.compress(payload), "people.csv.gz")
    assert next(s for s in segments if s.text == "078-05-1120").location.path[-1] == "people.csv"


def test_html_drops_script_keeps_hidden_text_and_attributes():
    html = (
        b"<html><head><style>.x{}</style><script>var ssn='111-11-1111'</script></head><body>"
        b"<p>Visible</p><div style='display:none'>Hidden 078-05-1120</div>"
        b"<img alt='photo of Ana Ruiz'><span title='DOB 3/9/2011'>x</span><!-- IEP note -->"
        b"</body></html>"
    )
    text = text_of(from_bytes(html, "page.html")[0])
    assert "Visible" in text and "Hidden 078-05-1120" in text
    assert "photo of Ana Ruiz" in text and "DOB 3/9/2011" in text and "IEP note" in text
    assert "111-11-1111" not in text


def test_json_leaves_carry_their_key():
    data = json.dumps({"students": [{"name": "Ana", "ssn": "078-05-1120", "active": True}]})
    segments, _ = from_bytes(data.encode(), "export.json")
    ssn = next(s for s in segments if s.text == "078-05-1120")
    assert ssn.context == "ssn"
    assert ssn.location.column == "students[0].ssn"


def test_xml_elements_and_attributes_carry_their_name():
    data = (
        b'<?xml version="1.0"?><Students><Student id="S1">'
        b"<SSN>078-05-1120</SSN></Student></Students>"
    )
    segments, _ = from_bytes(data, "edfi.xml")
    ssn = next(s for s in segments if s.text == "078-05-1120")
    assert (ssn.context, ssn.location.column, ssn.location.row) == ("SSN", "SSN", 1)
    assert next(s for s in segments if s.text == "S1").context == "id"


def test_xml_entities_are_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )
    segments, _ = from_bytes(bomb, "lol.xml")
    assert "aaaaaaaaaa" * 10 not in text_of(segments)


def test_rtf_keeps_header_text():
    rtf = rb"{\rtf1\ansi{\header Confidential 504 plan\par}Body text \'e9t\'e9\par}"
    text = text_of(from_bytes(rtf, "plan.rtf")[0])
    assert "Confidential 504 plan" in text and "Body text \u00e9t\u00e9" in text


def test_plain_text_charsets():
    assert (
        text_of(from_bytes("caf\u00e9 \u2013 ok".encode("cp1252"), "a.txt")[0])
        == "caf\u00e9 \u2013 ok"
    )
    assert text_of(from_bytes("\u00fcber".encode("utf-16"), "b.txt")[0]) == "\u00fcber"
    long_text = "".join(f"line {n}\n" for n in range(30_000)).encode()
    segments, _ = from_bytes(long_text, "long.txt")
    assert len(segments) > 1 and segments[1].location.row == segments[0].text.count("\n") + 1
    assert "".join(segment.text for segment in segments) == long_text.decode()


def test_images_and_unknown_binaries_are_reported():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert [r.reason for r in from_bytes(png, "x.png")[1]] == [UnscannableReason.IMAGE_CONTENT]
    assert [r.reason for r in from_bytes(b"\x00\x01\x02" * 50, "blob.bin")[1]] == [
        UnscannableReason.UNSUPPORTED
    ]
    seven = b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40
    _, reasons = from_bytes(seven, "a.7z")
    assert reasons[0].reason is UnscannableReason.CORRUPT and "7-Zip" in reasons[0].detail


def test_magic_bytes_beat_the_extension():
    segments, _ = from_bytes(makers.pdf(["really a pdf"]), "grades.xlsx")
    assert segments[0].location.page == 1


def test_folder_paths_start_with_the_folder_name(tmp_path):
    root = tmp_path / "Takeout"
    (root / "Drive" / "Class").mkdir(parents=True)
    (root / "Drive" / "Class" / "notes.txt").write_text("IEP meeting")
    (root / "top.csv").write_text("ID\n5\n")
    segments, _ = makers.from_path(root)
    paths = {s.location.path for s in segments}
    assert ("Takeout", "Drive", "Class", "notes.txt") in paths
    assert ("Takeout", "top.csv") in paths


def test_zip_with_a_damaged_member_still_reads_the_others():
    good = makers.zip_of(
        {"a.txt": b"first file", "b.docx": b"PK\x03\x04 not really", "c.txt": b"third"}
    )
    segments, reasons = from_bytes(good, "mixed.zip")
    assert {"first file", "third"} <= {s.text for s in segments}
    assert [(r.location.path[-1], r.reason) for r in reasons] == [
        ("b.docx", UnscannableReason.CORRUPT)
    ]


def test_zip_member_names_are_not_confused_with_office(tmp_path):
    data = makers.zip_of({"word/notes.txt": b"just text"}, zipfile.ZIP_STORED)
    segments, _ = from_bytes(data, "x.zip")
    assert segments[0].location.path == ("x.zip", "word/notes.txt")


def _xls(rows: list[list[object]]) -> bytes:
    import xlwt  # writes BIFF8, the format xlrd reads

    book = xlwt.Workbook()
    sheet = book.add_sheet("Prices")
    for row_number, row in enumerate(rows):
        for column, value in enumerate(row):
            sheet.write(row_number, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xls_numbers_are_read_as_excel_shows_them(scanner):
    from dlp.pipeline import collect

    # Computed totals keep the double's 17 digits: 4.85 * 3 is 14.549999999999999, whose
    # digits read as written are a Luhn-valid card number; Excel shows 14.55.
    rows: list[list[object]] = [["Item", "Total"], ["Lunch x3", 4.85 * 3], ["Sum", 0.1 + 0.2]]
    rows += [["Card on file", 4111111111111111], ["Whole", 536221234]]
    data = _xls(rows)
    segments, _ = from_bytes(data, "prices.xls")
    shown = {s.location.cell: s.text for s in segments}
    assert (shown["B2"], shown["B3"]) == ("14.55", "0.3")
    assert (shown["B4"], shown["B5"]) == ("4111111111111111", "536221234")  # every digit
    found = collect(iter(from_bytes(_xls(rows[:3]), "totals.xls")[0]), scanner).findings
    assert [f.entity_type for f in found] == []
    # ... where the digits as written would be one.
    assert [r.entity_type for r in scanner.analyze(repr(4.85 * 3))] == ["CREDIT_CARD"]


def test_ods_typed_values_are_read_as_shown():
    # A program wrote the typed value with no shown text: its double's digits.
    cells = "".join(
        f"<table:table-cell office:value-type='float' office:value='{value}'/>"
        for value in ("14.549999999999999", "4111111111111111", "87.7")
    )
    ods = makers.ods(
        f"<table:table table:name='Totals'><table:table-row>{cells}</table:table-row></table:table>"
    )
    segments, _ = from_bytes(ods, "totals.ods")
    assert [s.text for s in segments] == ["14.55", "4111111111111111", "87.7"]


@pytest.mark.parametrize("count", ["-2", "-1", "0", "x", ""])
def test_ods_odd_repeat_counts_read_every_cell(count):
    # No writer says a row or cell repeats -2 times, but a file may: the cells after it are
    # still read and located (it once made the whole sheet unreadable, and -2 hung the reader).
    cells = (
        f"<table:table-cell table:number-columns-repeated='{count}'><text:p>a</text:p>"
        "</table:table-cell><table:table-cell><text:p>SSN 536-22-1234</text:p></table:table-cell>"
    )
    rows = (
        f"<table:table-row table:number-rows-repeated='{count}'>{cells}</table:table-row>"
        f"<table:table-row>{cells}</table:table-row>"
    )
    ods = makers.ods(f"<table:table table:name='T'>{rows}</table:table>")
    segments, reasons = from_bytes(ods, "odd.ods")
    assert reasons == []
    assert [(s.location.cell, s.text) for s in segments] == [
        ("A1", "a"),
        ("B1", "SSN 536-22-1234"),
        ("A2", "a"),
        ("B2", "SSN 536-22-1234"),
    ]
