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
]


@pytest.mark.parametrize(("text", "entity", "value"), FOUND, ids=[row[0] for row in FOUND])
def test_found_at_its_span(scanner, text, entity, value) -> None:
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity]
    assert _span(text, value) in spans


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
    ["SSN", "SS#", "SSN#", "SocialSecurityNumber:", "SOCIALNUM", "Soc.Sec.No."]
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
