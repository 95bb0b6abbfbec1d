"""How real school mail, forms and OCR output write identifiers, and where context stops.

Table-driven with exact spans: each row is a text, the entity looked for, and the span it must
be found at (or None: it must not be found).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.model import CellTable, Location, Segment

from .test_properties import VALID_SSN


def _span(text: str, value: str) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


FOUND = [
    # glued to a label: forms and OCR drop the space
    ("SS#199320675 on file", "US_SSN", "199320675"),
    ("SSN536-22-1234", "US_SSN", "536-22-1234"),
    ("SSN536221234", "US_SSN", "536221234"),
    ("SocialSecurityNumber:410-28-2485", "US_SSN", "410-28-2485"),
    ("student #3381022 was absent", "STUDENT_ID", "3381022"),
    ("StudentID:4685687", "STUDENT_ID", "4685687"),
    ("Student1D:4481902", "STUDENT_ID", "4481902"),
    # dotted, with no label
    ("Her number is 516.64.7526.", "US_SSN", "516.64.7526"),
    # labels not known before
    ("SOCIALNUM 536221234", "US_SSN", "536221234"),
    ("SS No. 536221234", "US_SSN", "536221234"),
    ("Soc. Sec. No. 536221234", "US_SSN", "536221234"),
    ("Número de seguro social: 536221234", "US_SSN", "536221234"),
    ("número de estudiante 4481902", "STUDENT_ID", "4481902"),
    # a label on its own line directly above the value
    ("Social Security Number\n536221234\n", "US_SSN", "536221234"),
    ("Student ID:\n4481902", "STUDENT_ID", "4481902"),
    # phones: after "dial", and international numbers parents use
    ("Please dial 559 327 1000 to reach the office", "PHONE_NUMBER", "559 327 1000"),
    ("Mi celular es +52 55 1234 5678", "PHONE_NUMBER", "+52 55 1234 5678"),
    ("Call me on +44 20 7946 0958 tomorrow", "PHONE_NUMBER", "+44 20 7946 0958"),
    # non-directory demographics
    ("Gender: Female", "DEMOGRAPHIC", "Gender: Female"),
    ("Sex: M", "DEMOGRAPHIC", "Sex: M"),
    ("He gets free lunch", "DEMOGRAPHIC", "free lunch"),
    ("Lunch status: Reduced", "DEMOGRAPHIC", "Lunch status"),
    ("The family is homeless since May", "DEMOGRAPHIC", "homeless"),
    # Spanish, with and without accents
    (
        "Su PLAN DE EDUCACION INDIVIDUALIZADO",
        "SPECIAL_EDUCATION",
        "PLAN DE EDUCACION INDIVIDUALIZADO",
    ),
    ("la evaluación psicoeducativa de Ana", "SPECIAL_EDUCATION", "evaluación psicoeducativa"),
    ("el plan 504 de su hijo", "SPECIAL_EDUCATION", "plan 504"),
    ("la boleta de calificaciones", "GRADES", "boleta de calificaciones"),
    ("una suspensión de tres días", "DISCIPLINE", "suspensión"),
    ("Expulsión", "DISCIPLINE", "Expulsión"),
    ("carta de amonestación", "PERSONNEL", "carta de amonestación"),
    ("sexo femenino", "DEMOGRAPHIC", "sexo femenino"),
    # a form's next line is the next field: its label does not take this value away
    ("Employee SSN: 737-62-0329\nOrder 6621234 shipped", "US_SSN", "737-62-0329"),
    ("SS No.\n478122016\nTracking 12345678901", "US_SSN", "478122016"),
    ("Student ID: 4481902\nInvoice #55512 is paid", "STUDENT_ID", "4481902"),
    # a form's blank line after the value, as OCR reads it
    ("SSN: 594-15-6581____", "US_SSN", "594-15-6581"),
    ("Lunch # 7023698", "STUDENT_ID", "7023698"),
    ("No. de estudiante: 6060533", "STUDENT_ID", "6060533"),
    # OCR: I read as 1 or l, m as rn, words of a label glued together, a value glued after "No."
    ("PermlD 4481902", "STUDENT_ID", "4481902"),
    ("CALPADS1D:746089017", "STUDENT_ID", "746089017"),
    ("SocialSecurityNurnber:497306437", "US_SSN", "497306437"),
    ("EmployeeSSN:258-12-4164", "US_SSN", "258-12-4164"),
    ("Parent/GuardianSSN037-82-1308", "US_SSN", "037-82-1308"),
    ("Social Security No.539 75 6358", "US_SSN", "539 75 6358"),
    ("SSN635.92.6964", "US_SSN", "635.92.6964"),
    # two fields on one line (OCR joins them): each value keeps its own label
    ("SocialSecurityNumber: 717506154  CALPADS ID: 457616165", "US_SSN", "717506154"),
    ("SocialSecurityNumber: 717506154  CALPADS ID: 457616165", "STUDENT_ID", "457616165"),
    # phones: a "-Fax" tag after the number; foreign numbers in their own form, with context
    ("751-954-9268-Fax", "PHONE_NUMBER", "751-954-9268"),
    ("Phone: 0699 868 88 55", "PHONE_NUMBER", "0699 868 88 55"),
    ("Can someone call me on (64) 3591-3246?", "PHONE_NUMBER", "(64) 3591-3246"),
    ("Celular: 55 1234 5678", "PHONE_NUMBER", "55 1234 5678"),
    ("Mobile: 02.27.96.63.08", "PHONE_NUMBER", "02.27.96.63.08"),
]

NOT_FOUND = [
    # context ends at a sentence, a blank line, a cell
    ("Her SSID is listed below. Room 4521234 is open.", "STUDENT_ID"),
    ("Update your CALPADS records. Copier code 4481902 works again.", "STUDENT_ID"),
    ("Please send the SSN form.\n\n536221234 is the order.", "US_SSN"),
    ("Student ID\n\n4481902", "STUDENT_ID"),
    # negative context nearer than any positive one
    ("Invoice 536-22-1234 is paid", "US_SSN"),
    ("SSN on file. Invoice 536-22-1234 paid.", "US_SSN"),
    ("Student ID cards: order 4481902 shipped", "STUDENT_ID"),
    ("Student lot 4481902 parking", "STUDENT_ID"),
    # context words inside web and e-mail addresses and file paths
    ("https://news.example.org/story?sid=02/09/12/1234567", "STUDENT_ID"),
    ("See www.example.com/ssid/4481902 for details", "STUDENT_ID"),
    ("Write to ssn.office@example.org or call 4481902", "US_SSN"),
    ("Saved in /srv/share/calpads/4481902.csv", "STUDENT_ID"),
    # ordinary words that are not records
    ("We foster a love of reading", "DEMOGRAPHIC"),
    # a label after the value, on the next line, is the next field's
    ("Order: 494897814\nSSN\n892-04-1234", "STUDENT_ID"),
    ("CALPADS ID: 494897814\nSSN:\n", "US_SSN"),
    # numbers in paths and links, routes, phones' digit groups
    ("Student ID form saved in /srv/share/records/2621305.pdf", "STUDENT_ID"),
    ("Student ID cards: bus 25 leaves at 3:15; route 135892.", "STUDENT_ID"),
    ("Student ID #\nMobile: +44 7700 969511", "STUDENT_ID"),
    # a foreign-form phone needs its context, and a date is none
    ("Order 0699 868 88 55", "PHONE_NUMBER"),
    ("Please call: 03-10-2002", "PHONE_NUMBER"),
]


@pytest.mark.parametrize(("text", "entity", "value"), FOUND, ids=[row[0] for row in FOUND])
def test_found_at_its_span(scanner, text, entity, value) -> None:
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity]
    assert _span(text, value) in spans


# A value with its own label is not also the entity of a label on the line above or beside it.
NOT_AT = [
    ("SOCIALNUM 416-35-4254\nSSID: 671655818", "US_SSN", "671655818"),
    ("SocialSecurityNumber: 717506154  CALPADS ID: 457616165", "STUDENT_ID", "717506154"),
    ("SocialSecurityNumber: 717506154  CALPADS ID: 457616165", "US_SSN", "457616165"),
    ("Student ID: 4481902  Phone: 0699 868 88 55", "STUDENT_ID", "0699 868 88 55"),
    ("EmployeeSSN:371-67-1932\nStudentID:4685687", "US_SSN", "4685687"),
]


@pytest.mark.parametrize(("text", "entity", "value"), NOT_AT, ids=[row[0] for row in NOT_AT])
def test_not_at_that_span(scanner, text, entity, value) -> None:
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity]
    start, end = _span(text, value)
    assert not [(s, e) for s, e in spans if s < end and start < e]


@pytest.mark.parametrize(("text", "entity"), NOT_FOUND, ids=[row[0] for row in NOT_FOUND])
def test_not_found(scanner, text, entity) -> None:
    assert not [f for f in scanner.scan_text(text) if f.entity_type == entity]


def test_context_does_not_cross_a_cell_edge(scanner) -> None:
    """Packed cells: "SSID" in one cell says nothing about the number in the next."""
    from dlp.packing import SEPARATOR

    cells = ["SSID", "4481902"]
    text = SEPARATOR.join(cells)
    starts = [0, len(cells[0]) + len(SEPARATOR)]
    table = CellTable(
        base=Location(("sheet.csv",)),
        starts=starts,
        ends=[s + len(c) for s, c in zip(starts, cells, strict=True)],
    )
    found = scanner.scan(Segment(text, Location(("sheet.csv",)), "", table))
    assert not [f for f in found if f.entity_type == "STUDENT_ID"]
    # ...while a column header still counts for its column
    headed = CellTable(base=Location(("sheet.csv",)), starts=[0], ends=[7], headers=["SSID"])
    found = scanner.scan(Segment("4481902", Location(("sheet.csv",)), "", headed))
    assert [(f.start, f.end) for f in found if f.entity_type == "STUDENT_ID"] == [(0, 7)]


GLUE_LABELS = st.sampled_from(
    [
        "SSN",
        "SS#",
        "SSN#",
        "SocialSecurityNumber:",
        "SOCIALNUM",
        "Soc.Sec.No.",
        # OCR: the words of a label glued, m read as rn
        "EmployeeSSN:",
        "Parent/GuardianSSN",
        "SocialSecNumber:",
        "SocialSecurityNurnber:",
    ]
)


@settings(max_examples=200)
@given(
    label=GLUE_LABELS,
    ssn=VALID_SSN,
    dashed=st.booleans(),
    before=st.sampled_from(["", "Name: Ana Ruiz\n", "Form 12 "]),
)
def test_an_ssn_glued_to_its_label_is_found(scanner, label, ssn, dashed, before) -> None:
    value = ssn if dashed else ssn.replace("-", "")
    text = f"{before}{label}{value} end"
    start = len(before) + len(label)
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "US_SSN"}
    assert (start, start + len(value)) in spans


@settings(max_examples=200)
@given(ssn=VALID_SSN, before=st.sampled_from(["", "Her number is ", "Ref: "]))
def test_a_dotted_ssn_is_found_without_a_label(scanner, ssn, before) -> None:
    value = ssn.replace("-", ".")
    text = f"{before}{value} thanks"
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "US_SSN"}
    assert (len(before), len(before) + len(value)) in spans


ID_HEADERS = st.sampled_from(["Student ID", "Perm ID", "SSID", "Student #", "ID#", "Local ID"])


@settings(max_examples=100, deadline=None)
@given(
    header=ID_HEADERS,
    delimiter=st.sampled_from(["\t", " | ", ","]),
    ids=st.lists(st.integers(1_000_000, 999_999_999), min_size=1, max_size=30, unique=True),
    room=st.integers(100_000, 999_999),
)
def test_every_row_of_a_pasted_table_takes_its_column_header(
    scanner, header, delimiter, ids, room
) -> None:
    """A class list pasted into mail: each ID under its column's header, however far down;
    a number in a column with another header (a room) is no student ID."""
    lines = [delimiter.join([header, "Last Name", "Room"])]
    lines += [delimiter.join([str(value), "Kim", str(room)]) for value in ids]
    text = "Roster below.\n\n" + "\n".join(lines) + "\n"
    found = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"}
    expected = set()
    offset = len("Roster below.\n\n") + len(lines[0]) + 1
    for line, value in zip(lines[1:], ids, strict=True):
        expected.add((offset, offset + len(str(value))))
        offset += len(line) + 1
    assert found == expected


TABLES = [
    # the header's own neighbours are other columns' labels: the first row is not the SSN
    # column's, nor the phone's
    ("Student ID\tParent Phone\n4481902\t559-327-1000\n", "STUDENT_ID", "4481902"),
    ("SSN | Name | Grade\n536-22-1234 | Kim | 5\n", "US_SSN", "536-22-1234"),
    ("Perm ID,Last,First,Grade\n1234567,Kim,Ana,5\n7654321,Lee,Bo,4\n", "STUDENT_ID", "7654321"),
]


@pytest.mark.parametrize(("text", "entity", "value"), TABLES, ids=[row[0] for row in TABLES])
def test_a_pasted_table_cell_at_its_span(scanner, text, entity, value) -> None:
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity]
    assert _span(text, value) in spans


@pytest.mark.parametrize(
    "text",
    [
        "Room\tStudent ID\n4481902\tpending\n",  # its column is Room
        "Invoice,Vendor,Amount\n44819021,Acme,120\n",
        "Dear Ana, your student ID, 4481902, was reset, thanks",  # prose with commas
    ],
)
def test_a_table_cell_under_another_header_is_no_student_id(scanner, text) -> None:
    # (the prose line is no table: its own context still counts there)
    found = [f for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"]
    assert bool(found) == text.startswith("Dear")


@settings(max_examples=200, deadline=None)
@given(
    label=st.sampled_from(["Student ID", "Perm ID", "Pupil ID", "Local ID", "CALPADS ID"]),
    reading=st.sampled_from(["ID", "1D", "lD"]),
    glue=st.sampled_from(["", ":", ": ", " "]),
    squeeze=st.booleans(),
    value=st.integers(100_000, 9_999_999_999),
    after=st.sampled_from(["", "_", "____", " | Grade: 5", "\nInvoice 4455"]),
)
def test_a_student_id_as_ocr_reads_its_label_is_found(
    scanner, label, reading, glue, squeeze, value, after
) -> None:
    """OCR drops the spaces of a label and reads I as 1 or l; the value keeps its span."""
    written = label.replace("ID", reading)
    if squeeze:
        written = written.replace(" ", "")
    text = f"Name: Ana Ruiz\n{written}{glue}{value}{after}"
    start = text.index(str(value), len("Name: Ana Ruiz\n") + len(written))
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"}
    assert (start, start + len(str(value))) in spans
