"""The fast path (prefilter windows) finds exactly what plain Presidio finds with the same
recognizers on the whole text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.presidio_compat import build_analyzer

FRAGMENTS = [
    "536-22-1234",
    "536 22 1234",
    "536221234",
    "666-12-3456",
    "078-05-1120",
    "1234567890",
    "12345678",
    "SSN",
    "ssn:",
    "social security",
    "Student ID",
    "student_id",
    "perm id",
    "employee #",
    "DOB",
    "born on",
    "03/14/2011",
    "2011-03-14",
    "March 14, 2011",
    "14 Mar 2011",
    "(559) 327-1200",
    "559-327-1200",
    "5593271200",
    "+1 559.327.1200",
    "phone",
    "call",
    "jgarcia@cusd.com",
    "a.b-c@x.k12.ca.us",
    "user@@host",
    "@",
    "1450 Herndon Ave",
    "12 N Main Street, Apt 4",
    "4111 1111 1111 1111",
    "4111-1111-1111-1112",
    "acct",
    "routing",
    "Password: Tr0ub4dor&3",
    "pin is 4821",
    "GPA: 3.4",
    "grade B+",
    "score 87%",
    "IEP",
    "504 plan",
    "Section 5040",
    "individualized\neducation program",
    "transcript",
    "48900(k)",
    "suspension",
    "foster youth",
    "letter of reprimand",
    "diagnosis",
]
NOISE = st.text(
    alphabet=st.sampled_from(list("0123456789-./ @:#()\n\t aAbBsSnN,xé’\u00ad１")),
    max_size=12,
)
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), NOISE), max_size=30).map("".join)


@pytest.fixture(scope="module")
def analyzer(scanner):
    return build_analyzer(scanner.recognizers)


def as_set(results):
    return {(r.entity_type, r.start, r.end, round(r.score, 9)) for r in results}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_fast_path_equals_plain_presidio(scanner, analyzer, text):
    expected = analyzer.analyze(text, language="en", score_threshold=0.4)
    assert as_set(scanner.analyze(text)) == as_set(expected)


def test_equivalence_on_a_long_realistic_text(scanner, analyzer):
    text = "\n".join(
        f"Row {n}: Student ID {1000000 + n * 7919}, SSN {100 + n % 600:03d}-{10 + n % 89}-"
        f"{1000 + n:04d}, DOB {1 + n % 12}/{1 + n % 28}/20{10 + n % 9}, phone 559-{200 + n % 700}"
        f"-{1000 + n:04d}, email kid{n}@example.org, IEP, grade B+"
        for n in range(300)
    )
    expected = analyzer.analyze(text, language="en", score_threshold=0.4)
    got = scanner.analyze(text)
    assert len(got) > 1000
    assert as_set(got) == as_set(expected)
