"""The roster inside the scanner: real people found, ID patterns confirmed or doubted, opt-out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.detect.matches import RawMatch
from dlp.detect.roster import (
    NOT_ON_ROSTER_DECREMENT,
    ROSTER_CONFIRMED_SCORE,
    checked_against_roster,
    doubted_score,
)
from dlp.engine import DEFAULT_SCORE_THRESHOLD, DetectionConfig, build_scanner
from dlp.model import ScanResult
from dlp.policy import load_policy
from dlp.policy.facts import content_facts
from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore
from tests.conftest import REPO, TEST_SECRET

PEOPLE = [
    Person(
        Role.STUDENT,
        "4512345",
        PersonName("Lisa", "Woods"),
        state_id="8765432109",
        birth_date=date(2008, 9, 13),
    ),
    Person(Role.STUDENT, "4512346", PersonName("Sean", "O'Brien"), directory_opt_out=True),
    Person(Role.STAFF, "204417", PersonName("Barry", "Tanner")),
]


@pytest.fixture(scope="module")
def roster_scanner(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("roster") / "roster.npz"
    RosterStore.open(path, TEST_SECRET).import_people(PEOPLE, "test")
    return build_scanner(DetectionConfig(secret=TEST_SECRET, roster_path=path))


def by_type(findings):
    return {f.entity_type: f for f in findings}


def raw_id(text: str, value: str, entity_type: str = "STUDENT_ID", score: float = 0.4) -> RawMatch:
    start = text.index(value)
    return RawMatch(entity_type, start, start + len(value), score, "test", "test")


def test_roster_person_and_confirmed_student_id_share_a_subject(roster_scanner):
    text = "Student ID 4512345 belongs to Lisa Woods (DOB 09/13/2008)."
    found = by_type(roster_scanner.scan_text(text))
    student_id, name = found["STUDENT_ID"], found["ROSTER_STUDENT_NAME"]
    assert student_id.score == pytest.approx(0.95)
    assert text[name.start : name.end] == "Lisa Woods"
    assert student_id.subject == name.subject is not None
    assert "Lisa" not in name.masked and "Woods" not in name.masked


def test_id_shaped_number_not_on_the_roster_still_counts_unconfirmed(roster_scanner, scanner):
    # Context alone scores an ID exactly the default threshold: a doubt must not drop it.
    text = "Student ID 4599999 was entered twice."
    plain = by_type(scanner.scan_text(text))["STUDENT_ID"]
    doubted = by_type(roster_scanner.scan_text(text))["STUDENT_ID"]
    assert plain.score == pytest.approx(DEFAULT_SCORE_THRESHOLD)
    assert doubted.score == pytest.approx(DEFAULT_SCORE_THRESHOLD)
    assert doubted.subject is None
    employee = by_type(roster_scanner.scan_text("Employee ID 999999 was entered twice."))
    assert employee["STAFF_ID"].score == pytest.approx(DEFAULT_SCORE_THRESHOLD)


def test_a_role_the_roster_lacks_is_not_doubted(tmp_path):
    path = tmp_path / "students-only.npz"
    students = [p for p in PEOPLE if p.role == Role.STUDENT]
    roster = RosterStore.open(path, TEST_SECRET).import_people(students, "test")
    assert roster.changes["staff"].added == 0
    matcher = RosterStore.open(path, TEST_SECRET).matcher()
    text = "Employee ID 999999, student ID 4599999"
    staff_id = raw_id(text, "999999", "STAFF_ID", 0.75)
    student_id = raw_id(text, "4599999", "STUDENT_ID", 0.75)
    assert checked_against_roster(staff_id, text, matcher) == staff_id
    assert checked_against_roster(student_id, text, matcher).score == pytest.approx(0.65)


def test_doubt_lowers_but_keeps_a_reportable_id_reportable(roster_scanner):
    text = "Student ID 4599999"
    match = raw_id(text, "4599999", "STUDENT_ID", 0.75)
    roster = roster_scanner.roster
    assert checked_against_roster(match, text, roster).score == pytest.approx(0.65)
    assert checked_against_roster(match, text, roster, threshold=0.7).score == pytest.approx(0.7)
    below = replace(match, score=0.3)
    assert checked_against_roster(below, text, roster).score == pytest.approx(0.3)
    confirmed = checked_against_roster(
        raw_id("Student ID 4512345", "4512345"), "Student ID 4512345", roster
    )
    assert confirmed.score == pytest.approx(ROSTER_CONFIRMED_SCORE) and confirmed.subject


@given(
    score=st.floats(0.0, 1.0),
    threshold=st.floats(0.01, 1.0),
)
def test_doubted_score_never_raises_nor_crosses_the_threshold(score, threshold):
    lowered = doubted_score(score, threshold)
    assert lowered <= score
    assert lowered >= score - NOT_ON_ROSTER_DECREMENT
    if score >= threshold:
        assert lowered >= threshold


def test_another_roles_id_is_neither_confirmed_nor_doubted(roster_scanner, scanner):
    # 4512345 is Lisa Woods's student ID, written after a staff context word.
    text = "Staff ID 4512345 asked for a transcript."
    plain = by_type(scanner.scan_text(text))["STAFF_ID"]
    found = by_type(roster_scanner.scan_text(text))
    lisa = by_type(roster_scanner.scan_text("Lisa Woods"))["ROSTER_STUDENT_NAME"]
    assert found["STAFF_ID"].score == pytest.approx(plain.score)
    assert found["STAFF_ID"].subject is None
    assert found["ROSTER_STUDENT_ID"].subject == lisa.subject
    # And the staff member's ID after a student context word.
    text = "Student ID 204417"
    found = by_type(roster_scanner.scan_text(text))
    assert found["STUDENT_ID"].subject is None
    assert found["STUDENT_ID"].score == pytest.approx(
        by_type(scanner.scan_text(text))["STUDENT_ID"].score
    )
    assert "ROSTER_STAFF_ID" in found


def test_is_roster_id_matches_the_role(roster_scanner):
    roster = roster_scanner.roster
    assert roster.is_roster_id("4512345", Role.STUDENT) is not None
    assert roster.is_roster_id("4512345", Role.STAFF) is None
    assert roster.is_roster_id("204417", Role.STAFF) is not None
    assert roster.is_roster_id("204417", Role.STUDENT) is None
    assert roster.is_roster_id("204417", Role.GUARDIAN) is None


def test_staff_found_by_name_and_id(roster_scanner):
    found = by_type(roster_scanner.scan_text("Employee ID 204417, Barry Tanner, is on leave."))
    assert found["STAFF_ID"].score == pytest.approx(0.95)
    assert "ROSTER_STAFF_NAME" in found


def test_directory_opt_out_reaches_the_policy(roster_scanner):
    findings = roster_scanner.scan_text("Sean O'Brien made the honor roll.")
    sean = by_type(findings)["ROSTER_STUDENT_NAME"]
    assert sean.directory_opt_out
    policy = load_policy(REPO / "samples" / "policy.toml")
    facts = content_facts(policy, ScanResult(findings=tuple(findings)))
    assert "OPTED_OUT" in facts.flags


def test_a_doubted_id_keeps_every_other_field(roster_scanner):
    text = "student id 99999999 and more"
    match = RawMatch(
        "STUDENT_ID", 11, 19, 0.6, "StudentIdRecognizer", "local", ("student id",), None, True
    )
    doubted = checked_against_roster(match, text, roster_scanner.roster, 0.4)
    assert doubted == replace(match, score=doubted_score(0.6, 0.4))
    assert doubted.score < match.score
