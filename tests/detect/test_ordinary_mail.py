"""Ordinary mail must pass; ambiguous terms need a student signal; a gradebook is a record.

Table-driven with exact spans. The ham corpus (tests/data/ham/, public non-school mail) goes
through the real pipeline and the sample policy as a teacher's mail to a personal address.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from email.message import EmailMessage

import openpyxl
import pytest

from benchmarks.detection_quality import (
    HAM,
    RECIPIENT,
    SENDER,
    TARGET,
    ham_messages,
    measure,
)
from dlp.extract.limits import Limits
from dlp.model import CellTable, Location, Segment
from dlp.packing import SEPARATOR
from dlp.pipeline import scan_message
from dlp.policy import Policy, Verdict, decide, load_policy

from ..conftest import REPO


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(REPO / "samples" / "policy.toml")


def _span(text: str, value: str) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


# A term that is ambiguous alone counts with a student signal in the same sentence.
FOUND = [
    (
        "The student needs assistive technology for tests.",
        "SPECIAL_EDUCATION",
        "assistive technology",
    ),
    ("Her accommodations at school include extra time.", "SPECIAL_EDUCATION", "accommodations"),
    ("Curriculum modifications for your son start Monday.", "SPECIAL_EDUCATION", "modifications"),
    ("Her case manager will call the parents.", "SPECIAL_EDUCATION", "case manager"),
    ("SPED referral", "SPECIAL_EDUCATION", "SPED"),
    ("Las adaptaciones de su hijo", "SPECIAL_EDUCATION", "adaptaciones"),
    ("He was suspended for 3 days.", "DISCIPLINE", "suspended"),
    ("A two-day suspension for the student", "DISCIPLINE", "suspension"),
    ("Detention after school on Friday", "DISCIPLINE", "Detention"),
    ("El alumno fue suspendido por tres días", "DISCIPLINE", "suspendido"),
    ("una suspensión de tres días", "DISCIPLINE", "suspensión"),
    ("Please send your transcript to the colleges", "GRADES", "transcript"),
    ("Her progress report for the semester", "GRADES", "progress report"),
    ("The family is homeless since May", "DEMOGRAPHIC", "homeless"),
    ("Housing status: homeless", "DEMOGRAPHIC", "homeless"),
    ("The student is undocumented.", "DEMOGRAPHIC", "undocumented"),
    ("He gets free lunch", "DEMOGRAPHIC", "free lunch"),
    ("The student qualifies for free meals", "DEMOGRAPHIC", "free meals"),
    ("password: Tr0ub4dor&3", "PASSWORD", "password: Tr0ub4dor&3"),
    ("Grade: B+", "GRADE_VALUE", "Grade: B+"),
    ("card 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("card 4111111111111111", "CREDIT_CARD", "4111111111111111"),
    ("The student's ethnicity was updated in the SIS.", "DEMOGRAPHIC", "ethnicity"),
    (
        "Her immigration status is pending, the student told the counselor.",
        "DEMOGRAPHIC",
        "immigration status",
    ),
    # a status alone in its cell or on its own line: a data export's value (Ed-Fi ProgramName)
    ("Homeless", "DEMOGRAPHIC", "Homeless"),
    ("Program\nHomelessness\n", "DEMOGRAPHIC", "Homelessness"),
    ("Action\nSuspension\n", "DISCIPLINE", "Suspension"),
]

# The same words about something else: each row is a real sentence of ordinary mail (the ham
# corpus) or an example from the issue.
NOT_FOUND = [
    (
        "occasionally lock out assistive technology like the screen-readers employed by the blind",
        "SPECIAL_EDUCATION",
    ),
    ("Title III of the ADA covers public accommodations.", "SPECIAL_EDUCATION"),
    ("Hotel accommodations for the school conference are booked.", "SPECIAL_EDUCATION"),
    ("As Air Force One sped east, the last casualty collapsed", "SPECIAL_EDUCATION"),
    ("thermometers suspended beneath weather balloons", "DISCIPLINE"),
    ("Your account has been suspended.", "DISCIPLINE"),
    ("The car's suspension was fixed.", "DISCIPLINE"),
    ("Aviso: la suspensión del servicio de agua", "DISCIPLINE"),
    ("transcripts of his speeches and media appearances", "GRADES"),
    ("the more homeless under each overpass, the more efficient the rest of us", "DEMOGRAPHIC"),
    ("It relies on an undocumented feature of the API.", "DEMOGRAPHIC"),
    ('"The universe," Dr. Guth liked to say, "might be the ultimate free lunch."', "DEMOGRAPHIC"),
    ("There is no such thing as a free lunch.", "DEMOGRAPHIC"),
    ("Cvs login\n> password: xxxxx\n", "PASSWORD"),
    ("Your e-mail address : someone@example.org\n> password: xxxxxxxxx", "PASSWORD"),
    ("GETTING GRADED\n\nVisa's lawyers alleged", "GRADE_VALUE"),
    ("<Pine.SGI.4.40.0207231633290.30951782-100000@shell01.TheWorld.com>", "CREDIT_CARD"),
    (
        "We hire without regard to national origin, sexual orientation or gender identity.",
        "DEMOGRAPHIC",
    ),
    # the nondiscrimination statement at the foot of district mail: see FOOTER below
    (
        "The district prohibits discrimination based on ethnicity, gender identity, immigration "
        "status, marital status, national origin, race, sexual orientation, in all programs for "
        "students.",
        "DEMOGRAPHIC",
    ),
    # a signal in the previous sentence says nothing about this one
    ("Our students are great. Your account has been suspended.", "DISCIPLINE"),
]


@pytest.mark.parametrize(("text", "entity", "value"), FOUND, ids=[row[0] for row in FOUND])
def test_an_ambiguous_term_beside_a_student_signal(scanner, text, entity, value) -> None:
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == entity]
    assert _span(text, value) in spans


@pytest.mark.parametrize(("text", "entity"), NOT_FOUND, ids=[row[0] for row in NOT_FOUND])
def test_an_ambiguous_term_alone_is_not_a_record(scanner, text, entity) -> None:
    assert not [f for f in scanner.scan_text(text) if f.entity_type == entity]


def _cells(header: str, values: list[str]) -> Segment:
    """One column of packed cells under ``header``, as the sheet extractors make it."""
    text = SEPARATOR.join(values)
    starts, at = [], 0
    for value in values:
        starts.append(at)
        at += len(value) + len(SEPARATOR)
    table = CellTable(
        base=Location(("grades.csv",)),
        starts=starts,
        ends=[s + len(v) for s, v in zip(starts, values, strict=True)],
        headers=[header] * len(values),
        rows=range(1, len(values) + 1),
    )
    return Segment(text, Location(("grades.csv",)), "", table)


GRADE_CELLS = [
    ("Grade", ["B+", "A", "C-"], ["B+", "A", "C-"]),
    ("Final Grade", ["87", "92.5%", "100"], ["87", "92.5%", "100"]),
    ("Score", ["7", "F"], ["7", "F"]),
    ("Period", ["3", "A"], []),  # no grade header: a period, a section
    ("Room", ["12", "B"], []),
]


@pytest.mark.parametrize(
    ("header", "values", "grades"), GRADE_CELLS, ids=[row[0] for row in GRADE_CELLS]
)
def test_a_grade_column(scanner, header, values, grades) -> None:
    segment = _cells(header, values)
    # a finding's offsets are within its own cell; its location names the cell's row
    found = [
        values[f.location.row - 1][f.start : f.end]
        for f in scanner.scan(segment)
        if f.entity_type == "GRADE_VALUE" and f.location.row
    ]
    assert sorted(found) == sorted(grades)


def test_a_lone_letter_in_running_text_is_no_grade(scanner) -> None:
    text = "Plan:\nA\nwe meet at noon. A steak, a B movie, final score 3 to 1.\nF\n"
    assert not [f for f in scanner.scan_text(text) if f.entity_type == "GRADE_VALUE"]


NAMES = [
    "Daniel Kim",
    "Maria Lopez",
    "James Smith",
    "Sofia Garcia",
    "Ethan Johnson",
    "Olivia Brown",
    "Noah Davis",
    "Emma Wilson",
    "Liam Martinez",
    "Ava Anderson",
    "Lucas Thomas",
    "Mia Taylor",
]
GRADES = ["A", "B+", "C", "A-", "B", "D", "F", "C+", "A", "B-", "A", "B"]


def _rows(third: str) -> list[list[str]]:
    extra = GRADES if third == "Grade" else [str(n % 4 + 1) for n in range(len(NAMES))]
    return [["Student", "Period", third]] + [
        [name, "3", value] for name, value in zip(NAMES, extra, strict=True)
    ]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Period 3"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _mail(body: str, name: str, data: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = "Period 3"
    message.set_content(body)
    if name.endswith(".csv"):
        message.add_attachment(data, maintype="text", subtype="csv", filename=name)
    else:
        message.add_attachment(
            data,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=name,
        )
    return message.as_bytes()


CLASS_LISTS = [
    # 12 names and a grade column: a gradebook
    ("Here is the list.", "Grade", True),
    # 12 names, no grade column, but grade terms in the message: a class list with grades
    ("The report cards and final grades are below.", "Bus", True),
    # 12 names and a bus number: directory information, not a record
    ("Here is the list.", "Bus", False),
]


@pytest.mark.parametrize("kind", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("body", "third", "held"), CLASS_LISTS, ids=[f"{row[1]}-{row[2]}" for row in CLASS_LISTS]
)
def test_a_gradebook_is_a_student_record(scanner, policy, kind, body, third, held) -> None:
    rows = _rows(third)
    data = _csv(rows) if kind == ".csv" else _xlsx(rows)
    result = scan_message(_mail(body, "period3" + kind, data), scanner, Limits())
    decision = decide(policy, SENDER, [RECIPIENT], result, today=date(2025, 3, 4))
    verdict = decision.per_recipient[RECIPIENT]
    fired = {rule.name for rule in verdict.rules}
    if held:
        assert verdict.verdict is Verdict.QUARANTINE
        assert "class-list-outside" in fired
    else:
        assert verdict.verdict is Verdict.DELIVER, fired
    # the same file inside the district is delivered
    inside = decide(policy, SENDER, ["office@cusd.com"], result, today=date(2025, 3, 4))
    assert inside.per_recipient["office@cusd.com"].verdict is Verdict.DELIVER


# A teacher's ordinary message: a name in the signature, the district's nondiscrimination
# statement at the foot (its words, alone, used to make it a student's demographic record).
FOOTER = """Hi Tom,

See you at the game on Friday!

Mrs. Jennifer Adams
Science Teacher, Clovis West High School

Clovis Unified School District prohibits discrimination, harassment, intimidation, and bullying
based on actual or perceived ancestry, age, color, disability, ethnicity, gender, gender
identity, gender expression, immigration status, marital status, national origin, race,
religion, sex, sexual orientation, or association with a person or group with one or more of
these actual or perceived characteristics. Students and families may contact the Title IX
coordinator.
"""


def test_a_signed_message_with_the_district_footer_is_delivered(scanner, policy) -> None:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = "Friday"
    message.set_content(FOOTER)
    result = scan_message(message.as_bytes(), scanner, Limits())
    assert not [f for f in result.findings if f.entity_type == "DEMOGRAPHIC"]
    decision = decide(policy, SENDER, [RECIPIENT], result, today=date(2025, 3, 4))
    assert decision.per_recipient[RECIPIENT].verdict is Verdict.DELIVER


# Held before the ambiguous terms needed a student signal: a name beside "transcripts of his
# speeches", "sped toward", thermometers "suspended", "homeless under each overpass",
# "assistive technology" about DRM.
ONCE_HELD = [
    "easy_ham/00342.e6c781df2ebba44a429b49b86b376559",
    "easy_ham/00570.d98ca90ac201b5d881f2397c95838eb2",
    "easy_ham/00713.7b4a3ad6c8b6bbcf358ee5ee23dcdc12",
    "easy_ham/00719.6d73cfb0bea6fe5002fbd3b260d480e6",
    "hard_ham/00171.1690d6d03d44bf0eca7db6fdeb0fd5b7",
]


def test_ordinary_mail_is_delivered(scanner, policy) -> None:
    """The whole committed ham corpus (2,750 messages, a few seconds): at most 0.2% held."""
    report = measure(ham_messages(HAM), scanner, policy)
    assert report.total == 2750
    assert report.rate <= TARGET, (report.rules, report.causes.most_common(5))
    assert not set(ONCE_HELD) & set(report.held)
