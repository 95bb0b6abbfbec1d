"""Non-directory demographics (issue 18): each form a school writes, found at its exact span,
counted as DEMOGRAPHIC, whose declared clause (L.3.a, student records) the export report and
the policy's decision cite."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.categories import load_categories
from dlp.detect.shipped import default_recognizers_dir
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Verdict, decide, load_policy

from ..conftest import REPO

FOUND = [
    # gender and sex as a field
    ("Gender: Female", "Gender: Female"),
    ("Sex: M", "Sex: M"),
    ("GENDER: NON-BINARY", "GENDER: NON-BINARY"),
    ("sexo femenino", "sexo femenino"),
    # meal programs, also written alone
    ("He gets free lunch.", "free lunch"),
    ("Lunch status: Reduced", "Lunch status"),
    ("She qualifies for reduced lunch.", "reduced lunch"),
    ("free or reduced lunch", "free or reduced lunch"),
    ("Tiene almuerzo gratis", "almuerzo gratis"),
    # housing
    ("The family is homeless since May", "homeless"),
    ("McKinney-Vento eligible", "McKinney-Vento"),
    ("Program\nhomeless\n", "homeless"),
    # race and ethnicity
    ("Race: White", "Race: White"),
    ("Race: Black or African American", "Race: Black"),
    ("Ethnicity: Not Hispanic", "Ethnicity: Not Hispanic"),
    ("Race/Ethnicity: Asian", "Race/Ethnicity"),
    ("Hispanic or Latino", "Hispanic or Latino"),
    ("Raza: indígena", "Raza: indígena"),
    ("Student ethnicity: Hispanic", "ethnicity: Hispanic"),
    # English learners
    ("EL status: LTEL", "EL status"),
    ("He is an English learner.", "English learner"),
    ("ELL student, level 2", "ELL student"),
    ("Reclassified: RFEP", "RFEP"),
    ("aprendiz de inglés", "aprendiz de inglés"),
    # foster status
    ("She is a foster youth.", "foster youth"),
    ("Foster status: placed", "Foster status"),
    ("The student is in foster care.", "foster care"),
    ("joven de crianza", "joven de crianza"),
]

NOT_FOUND = [
    "We foster a love of reading.",
    "on the basis of race, white or black, or national origin",
    "The district prohibits discrimination based on ethnicity or immigration status.",
    "There is no such thing as a free lunch.",
    "Hotel rooms for the homeless shelter fundraiser",  # no student signal
]


@pytest.mark.parametrize(("text", "value"), FOUND, ids=[row[0] for row in FOUND])
def test_found_at_its_span(scanner, text, value) -> None:
    start = text.index(value)
    found = [f for f in scanner.scan_text(text) if f.entity_type == "DEMOGRAPHIC"]
    assert (start, start + len(value)) in [(f.start, f.end) for f in found]
    assert {f.category.value for f in found} == {"DEMOGRAPHIC"}


@pytest.mark.parametrize("text", NOT_FOUND)
def test_not_a_demographic_record(scanner, text) -> None:
    assert not [f for f in scanner.scan_text(text) if f.entity_type == "DEMOGRAPHIC"]


def test_the_category_declares_its_clause() -> None:
    categories = load_categories([default_recognizers_dir()])
    assert categories["DEMOGRAPHIC"].clauses == ("L.3.a",)


def _mail(body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "mlopez@cusd.com"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "Student"
    message.set_content(body)
    return message.as_bytes()


@pytest.mark.parametrize("text", [row[0] for row in FOUND[::3]])
def test_with_a_student_id_the_policy_cites_the_student_record_clause(scanner, text) -> None:
    policy = load_policy(REPO / "samples" / "policy.toml")
    result = scan_message(_mail(f"Student ID: 4481902\n{text}\n"), scanner, Limits())
    verdict = decide(
        policy, "mlopez@cusd.com", ["someone@gmail.com"], result, today=date(2025, 3, 4)
    ).per_recipient["someone@gmail.com"]
    assert verdict.verdict is Verdict.QUARANTINE
    assert "AR7203.L.3.a" in verdict.clauses


@settings(max_examples=100, deadline=None)
@given(
    label=st.sampled_from(["Gender", "GENDER", "Sex", "sex"]),
    value=st.sampled_from(["Female", "Male", "F", "M", "female"]),
    gap=st.sampled_from([": ", ":", " : ", ":\t"]),
)
def test_a_gender_field_is_found_however_spaced(scanner, label, value, gap) -> None:
    text = f"Name: Ana Ruiz\n{label}{gap}{value}\nGrade: 5"
    start = text.index(label)
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "DEMOGRAPHIC"]
    assert (start, start + len(label) + len(gap) + len(value)) in spans
