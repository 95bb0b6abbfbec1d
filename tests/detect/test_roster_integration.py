"""The roster inside the scanner: real people found, ID patterns confirmed or doubted, opt-out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dlp.engine import DetectionConfig, build_scanner
from dlp.model import ScanResult
from dlp.policy import load_policy
from dlp.policy.facts import content_facts
from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore
from tests.conftest import REPO, TEST_SECRET

PEOPLE = [
    Person(Role.STUDENT, "4512345", PersonName("Lisa", "Woods"), state_id="8765432109",
           birth_date=date(2008, 9, 13)),
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


def test_roster_person_and_confirmed_student_id_share_a_subject(roster_scanner):
    text = "Student ID 4512345 belongs to Lisa Woods (DOB 09/13/2008)."
    found = by_type(roster_scanner.scan_text(text))
    student_id, name = found["STUDENT_ID"], found["ROSTER_STUDENT_NAME"]
    assert student_id.score == pytest.approx(0.95)
    assert text[name.start : name.end] == "Lisa Woods"
    assert student_id.subject == name.subject is not None
    assert "Lisa" not in name.masked and "Woods" not in name.masked


def test_id_shaped_number_not_on_the_roster_no_longer_counts(roster_scanner, scanner):
    text = "Student ID 4599999 was entered twice."
    assert "STUDENT_ID" in by_type(scanner.scan_text(text))  # without a roster it counts
    assert "STUDENT_ID" not in by_type(roster_scanner.scan_text(text))


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
