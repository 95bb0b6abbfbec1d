"""Failure classes found by the second held-out set (``benchmarks/make_heldout_styles.py``).

Each row is one class, with the exact span the scanner must report (or must not): SSN and
student-ID labels not known before, a next label glued after a value (OCR), phones glued after
their label, names written "Last, First", a name beside its e-mail address or beside a record
term in English and Spanish, a table of ";"-separated cells; and the sample policy's verdicts
on whole messages (one grade term beside a named student is a grade report).
"""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Verdict, decide, load_policy

from ..conftest import REPO

# (text, entity type, the value whose span must be found)
FOUND = [
    # SSN labels seen in personnel mail and OCR
    ("Letter of reprimand\nSSN-463.68.2115\n", "US_SSN", "463.68.2115"),
    ("SOCIALNUM 382797261", "US_SSN", "382797261"),
    ("Soc Sec Nbr 255308195", "US_SSN", "255308195"),
    ("Seguro Social # 366 08 5123", "US_SSN", "366 08 5123"),
    ("NSS: 278 76 6887", "US_SSN", "278 76 6887"),
    ("SocSecNo.237-60-4632CELL(559) 555-0134", "US_SSN", "237-60-4632"),
    ("SSNo.422306713Cel(691)202-0259", "US_SSN", "422306713"),
    # student ID labels of SIS products and Spanish forms
    ("PowerSchool ID 4415823. Parent asked", "STUDENT_ID", "4415823"),
    ("Matrícula: 6858815.", "STUDENT_ID", "6858815"),
    ("Matricula 7177158378", "STUDENT_ID", "7177158378"),
    ("SIS # 37101573", "STUDENT_ID", "37101573"),
    ("Aeries ID 9217004", "STUDENT_ID", "9217004"),
    ("Stu. No. 57807692", "STUDENT_ID", "57807692"),
    ("ID de alumno: 34793298", "STUDENT_ID", "34793298"),
    ("District ID: 109982.", "STUDENT_ID", "109982"),
    ("STUDENTNO:992039SocSecNo.273-74-6584", "STUDENT_ID", "992039"),
    # a ";" table (CSV where the comma is the decimal mark): the column header is the context
    (
        "Alumno;Matrícula;Calificación\nNunez, Ana;8165186;F\nBenson, Julie;5362327;7,5\n",
        "STUDENT_ID",
        "5362327",
    ),
    # phones glued after their label
    ("CELL+52 (33) 7287 6646", "PHONE_NUMBER", "+52 (33) 7287 6646"),
    ("Cel(864)950-1368 is mom", "PHONE_NUMBER", "(864)950-1368"),
    ("SS:891-86-5585Cel+1.867.734.9415", "PHONE_NUMBER", "+1.867.734.9415"),
    # names: "Last, First" at a line's or cell's start or after a label; beside an address;
    # beside a record term
    ("Name (Last, First): Gomez, Elena\n", "PERSON", "Gomez, Elena"),
    ("Student\tAeries ID\tGrade\nCortés, Inés\t8940815811\tF\n", "PERSON", "Cortés, Inés"),
    (
        "Alumno;Matrícula;Calificación\nNunez, Ana;8165186;F\nBenson, Julie;5362327;7,5\n",
        "PERSON",
        "Benson, Julie",
    ),
    (
        "On Mon, Mar 3 at 8:14 AM Sofía Vázquez <sofia.v58@gmail.com> wrote:",
        "PERSON",
        "Sofía Vázquez",
    ),
    ("Hola, la boleta de calificaciones de Ana Ruiz y su plan", "PERSON", "Ana Ruiz"),
    ("Can you fix the record for Teresa Zuniga?", "PERSON", "Teresa Zuniga"),
    ("Counselor note 3/4: met with Mateo Sánchez about attendance.", "PERSON", "Mateo Sánchez"),
    ("Questions? Contact Mr. Sandy Chung.", "PERSON", "Sandy Chung"),
    ("Buenas tardes: el expediente académico de Iván Cortés.", "PERSON", "Iván Cortés"),
    ("W-2 corrections:\n1. Craig Steele, SSN 240304883\n", "PERSON", "Craig Steele"),
    ("Please update Harvey Sandoval (stu id 2773014) today", "PERSON", "Harvey Sandoval"),
    # sex written as a Spanish form's field
    ("Alumno: Ana Ruiz\nSexo: F\n", "DEMOGRAPHIC", "Sexo: F"),
    ("Género: M", "DEMOGRAPHIC", "Género: M"),
    # a class list's name columns: one finding for the two cells of one student
    ("Student ID,Last Name,First Name,Grade\n2040589564,Roberts,Joe,6\n", "PERSON", "Roberts,Joe"),
    (
        "SSID\tFirst Name\tLast Name\tGrade\n5010828\tKerri\tClayton\t5\n",
        "PERSON",
        "Kerri\tClayton",
    ),
    ("Nombre | Apellido | Calificación\nMónica | Ramírez | 9\n", "PERSON", "Mónica | Ramírez"),
]

# (text, entity type): nothing of that type may be found
NOT_FOUND = [
    ("Order #4455123 shipped; tracking 1Z341951A96804609.", "STUDENT_ID"),
    ("Room 4012 is reserved; copier code 881234.", "STUDENT_ID"),
    ("Mail it to Clovis, CA 93612-2174.", "STUDENT_ID"),
    ("Lot 868-72-7646 of the test booklets was recalled.", "US_SSN"),
    ("Invoice 512-44-1234 is past due.", "US_SSN"),
    ("Part 237-60-4632A ships Monday.", "US_SSN"),  # a single letter after: a part number
    ("SS Minnow 123456789 sails at noon.", "US_SSN"),
    ("Employee ID 635578 (not an SSN).", "STUDENT_ID"),
    ("Hello Smith, Grace asked about lunch.", "PERSON"),  # not at a line's start
    ("Best regards,\nJohn Smith\nTeacher", "PERSON"),
    ("Thanks, Grace Church potluck committee", "PERSON"),
    ("Item,Color,Size\nShirt,Grace,M\nHat,Amber,L\n", "PERSON"),  # not a name column
]


@pytest.mark.parametrize(("text", "entity", "value"), FOUND, ids=[r[0][:40] for r in FOUND])
def test_found_at_its_span(scanner, text, entity, value) -> None:
    start = text.index(value)
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity}
    assert (start, start + len(value)) in spans


@pytest.mark.parametrize(("text", "entity"), NOT_FOUND, ids=[r[0][:40] for r in NOT_FOUND])
def test_not_found(scanner, text, entity) -> None:
    assert [f for f in scanner.scan_text(text) if f.entity_type == entity] == []


SSN_LABELS = ["SOCIALNUM", "SS No.", "Soc. Sec. No.", "SocSec#", "Social Sec. #", "SSN-",
              "Número de Seguro Social:", "numero de seguro social", "S.S.N."]  # fmt: skip
NEXT_LABELS = [" ", "\n", "CELL", "Phone#", "Cel", " Tel."]


@settings(max_examples=60, deadline=None)
@given(
    label=st.sampled_from(SSN_LABELS),
    glue=st.sampled_from(["", " ", "\n"]),
    after=st.sampled_from(NEXT_LABELS),
    area=st.integers(1, 899).filter(lambda n: n != 666),
    group=st.integers(1, 99),
    serial=st.integers(1, 9999),
    sep=st.sampled_from(["-", ".", " ", ""]),
)
def test_labeled_ssn_is_found_whatever_the_glue(
    scanner, label, glue, after, area, group, serial, sep
) -> None:
    """A labeled SSN, glued to its label or not, with the next field's label glued after."""
    value = f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
    if len(set(value.replace(sep, "") if sep else value)) == 1:
        return  # "111111111": an impossible number, rightly dropped
    if glue == "" and label[-1].isalpha() and sep == "":
        glue = " "  # "SSN123456789" reads as one token even to a person
    text = f"Personnel file\n{label}{glue}{value}{after}555-201-4433\n"
    start = text.index(value, len(label))
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "US_SSN"}
    assert (start, start + len(value)) in spans


def _mail(body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "teacher@clovisusd.k12.ca.us"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "Nota"
    message.set_content(body)
    return message.as_bytes()


DECISIONS = [
    (
        "Hola, la boleta de calificaciones de Ana Ruiz y su plan de educacion individualizado",
        Verdict.QUARANTINE,
    ),
    ("Here is Valentina Muñoz's report card: Math B-, ELA C+.", Verdict.QUARANTINE),
    (
        "Buenas tardes: le envío el expediente académico de Iván Cortés para la junta.",
        Verdict.QUARANTINE,
    ),
    ("Aviso: Jose Martinez recibió una suspensión de tres días.", Verdict.QUARANTINE),
    ("Re: Kevin Nguyen - behavior referral. He was suspended for 3 days.", Verdict.QUARANTINE),
    ("Quick update on Priya Patel's IEP: speech services 30 min/week.", Verdict.QUARANTINE),
    # staff and ordinary mail with names, phones and look-alike numbers
    (
        "Hola Ana Ruiz, la junta de maestros es el jueves. Llame al +52 1 55 1234 5678.",
        Verdict.DELIVER,
    ),
    (
        "Fantasy league standings\nJohn Smith 112 points\nMaria Lopez 98 points\nGreat week!",
        Verdict.DELIVER,
    ),
    (
        "Your order has shipped! Order #4455123, tracking 1Z341951A96804609. Call 559-555-0134.",
        Verdict.DELIVER,
    ),
    (
        "Hi team,\n\nMs. Karen Miller will cover my class.\n\nReport cards print Monday.",
        Verdict.DELIVER,
    ),
]


@pytest.mark.parametrize(("body", "verdict"), DECISIONS, ids=[r[0][:30] for r in DECISIONS])
def test_the_sample_policy(scanner, body, verdict) -> None:
    policy = load_policy(REPO / "samples" / "policy.toml")
    result = scan_message(_mail(body), scanner, Limits())
    decision = decide(
        policy,
        "teacher@clovisusd.k12.ca.us",
        ["someone@gmail.com"],
        result,
        today=date(2025, 3, 4),
    )
    assert decision.per_recipient["someone@gmail.com"].verdict is verdict
