"""Decisions that know whose record a message carries and who receives it (issue 19).

The sample policy, the scanner and a roster with families (`tests.families.roster`): each
recipient is decided on its own, from what the roster says their address is to the students
the message identifies.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dlp.engine import Scanner
from dlp.pipeline import scan_message
from dlp.policy import Decision, Policy, Verdict, decide
from tests.families import roster as r

STRANGER = "tutor@gmail.com"


def _decide(
    scanner: Scanner,
    policy: Policy,
    body: str,
    recipients: list[str],
    sender: str = r.TEACHER,
    header_from: str | None = None,
) -> Decision:
    raw = (
        f"From: {header_from or sender}\r\nTo: {recipients[0]}\r\nSubject: Update\r\n\r\n{body}\r\n"
    ).encode()
    assert scanner.roster is not None
    return decide(
        policy,
        sender,
        recipients,
        scan_message(raw, scanner),
        households=scanner.roster.families,
        header_from=header_from or sender,
    )


def _verdicts(decision: Decision) -> dict[str, str]:
    return {address: v.verdict.value for address, v in decision.per_recipient.items()}


def _rules(decision: Decision, address: str) -> set[str]:
    return {rule.name for rule in decision.per_recipient[address].rules}


MARIANA_GRADES = (
    "Mariana Quintero-Ruiz (student ID 3001001): her report card grades this quarter are "
    "B+ in Algebra and A- in Biology."
)


def test_own_guardian_passes_another_family_is_held(scanner: Scanner, policy: Policy) -> None:
    decision = _decide(scanner, policy, MARIANA_GRADES, [r.ANA, r.CHIOMA, STRANGER])
    assert _verdicts(decision) == {r.ANA: "deliver", r.CHIOMA: "quarantine", STRANGER: "quarantine"}
    assert "GUARDIAN_OF_ALL" in decision.per_recipient[r.ANA].family
    assert decision.per_recipient[r.ANA].rules == ()
    # Another family's guardian: the wrong-recipient rule (E.3), explained by counts only.
    assert "another-familys-student" in _rules(decision, r.CHIOMA)
    wrong = next(
        rule
        for rule in decision.per_recipient[r.CHIOMA].rules
        if rule.name == "another-familys-student"
    )
    assert "AR7203.E.3" in wrong.clauses
    assert "a different student" in wrong.explanation
    assert "Mariana" not in wrong.explanation and "3001001" not in wrong.explanation
    # Someone who is nobody's guardian: today's rules, and no wrong-family claim.
    assert "another-familys-student" not in _rules(decision, STRANGER)
    assert decision.roster_version == scanner.roster.families.version  # type: ignore[union-attr]


def test_without_the_roster_the_guardian_is_held_as_today(scanner: Scanner, policy: Policy) -> None:
    raw = f"From: {r.TEACHER}\r\nTo: {r.ANA}\r\n\r\n{MARIANA_GRADES}\r\n".encode()
    decision = decide(policy, r.TEACHER, [r.ANA], scan_message(raw, scanner))
    assert _verdicts(decision) == {r.ANA: "quarantine"}
    assert decision.roster_version is None


def test_spanish_name_hyphenated_surname_and_an_iep_goes_encrypted(
    scanner: Scanner, policy: Policy
) -> None:
    body = (
        "José Ángel Núñez-García: report card grades this quarter, B in Algebra. "
        "His IEP accommodations (extended time) continue."
    )
    # The roster wrote this address with capitals; the recipient is matched exactly all the same.
    decision = _decide(scanner, policy, body, ["carlos.nunez@yahoo.com", r.ANA])
    own = decision.per_recipient["carlos.nunez@yahoo.com"]
    assert own.verdict is Verdict.ENCRYPT
    assert {rule.name for rule in own.rules} == {"own-family-protected-record"}
    assert decision.per_recipient[r.ANA].verdict is Verdict.QUARANTINE
    # A look-alike spelling of the parent's address is not the parent.
    other = _decide(scanner, policy, body, ["carlos_nunez@yahoo.com"])
    assert other.per_recipient["carlos_nunez@yahoo.com"].verdict is Verdict.QUARANTINE
    assert "GUARDIAN" not in other.per_recipient["carlos_nunez@yahoo.com"].family


def test_guardian_of_two_siblings(scanner: Scanner, policy: Policy) -> None:
    body = (
        "Report card grades: Chinedu Okafor (3001003) B+ in Algebra, "
        "Adaeze Okafor (3001004) A- in Reading."
    )
    decision = _decide(scanner, policy, body, [r.CHIOMA, r.ANA])
    assert _verdicts(decision) == {r.CHIOMA: "deliver", r.ANA: "quarantine"}
    assert "another-familys-student" in _rules(decision, r.ANA)
    # One sibling's record to the family: theirs too.
    single = _decide(scanner, policy, "Adaeze Okafor (3001004) report card grades: A-.", [r.CHIOMA])
    assert _verdicts(single) == {r.CHIOMA: "deliver"}


def test_guardian_address_that_is_also_a_staff_address(scanner: Scanner, policy: Policy) -> None:
    own = _decide(scanner, policy, "Adaeze Okafor (3001004) report card grades: A-.", [r.GRACE])
    assert own.per_recipient[r.GRACE].verdict is Verdict.DELIVER
    assert {"GUARDIAN_OF_ALL", "STAFF_MEMBER"} <= set(own.per_recipient[r.GRACE].family)
    # Another student's record to her: she is staff, not another family (no E.3 hold).
    other = _decide(scanner, policy, MARIANA_GRADES, [r.GRACE])
    assert other.per_recipient[r.GRACE].verdict is Verdict.DELIVER
    assert {"GUARDIAN_OF_NONE", "GUARDIAN_OF_OTHER", "STAFF_MEMBER"} <= set(
        other.per_recipient[r.GRACE].family
    )


def test_class_list_to_one_family_is_held(scanner: Scanner, policy: Policy) -> None:
    body = (
        "Period 3 grades: Mariana Quintero-Ruiz B+, José Ángel Núñez-García A, "
        "Chinedu Okafor C, Adaeze Okafor B. Report card grades go home Friday."
    )
    decision = _decide(scanner, policy, body, [r.ANA, r.CHIOMA])
    assert _verdicts(decision) == {r.ANA: "quarantine", r.CHIOMA: "quarantine"}
    assert "many-students-to-a-family" in _rules(decision, r.ANA)
    assert "GUARDIAN_OF_SOME" in decision.per_recipient[r.ANA].family
    held = next(
        rule
        for rule in decision.per_recipient[r.ANA].rules
        if rule.name == "many-students-to-a-family"
    )
    assert "Mariana" not in held.explanation


def test_shared_name_is_own_child_only_for_the_guardian_of_every_candidate(
    scanner: Scanner, policy: Policy
) -> None:
    body = "John Smith's report card: grades dropped this term, grade D in Algebra."
    decision = _decide(scanner, policy, body, [r.SMITH_A, r.GRANDMA])
    assert _verdicts(decision) == {r.SMITH_A: "quarantine", r.GRANDMA: "deliver"}
    # Unresolved for one family: today's rules, not a wrong-family claim.
    assert _rules(decision, r.SMITH_A) == {
        "student-record-outside",
        "student-non-directory-outside",
    }
    # The ID settles which John Smith: then it is that family's own.
    settled = _decide(scanner, policy, body + " Student ID 3001006.", [r.SMITH_A, r.SMITH_B])
    assert _verdicts(settled) == {r.SMITH_A: "deliver", r.SMITH_B: "quarantine"}
    assert "another-familys-student" in _rules(settled, r.SMITH_B)


def test_a_student_id_not_on_the_roster_keeps_todays_rules(
    scanner: Scanner, policy: Policy
) -> None:
    body = MARIANA_GRADES + " Also Student ID: 9998877, the new student, has the same grades."
    decision = _decide(scanner, policy, body, [r.ANA])
    assert decision.per_recipient[r.ANA].verdict is Verdict.QUARANTINE
    assert "GUARDIAN_OF_ALL" not in decision.per_recipient[r.ANA].family


def test_restricted_guardian_is_not_a_guardian(scanner: Scanner, policy: Policy) -> None:
    decision = _decide(scanner, policy, MARIANA_GRADES, [r.RAUL, r.ANA])
    assert _verdicts(decision) == {r.RAUL: "quarantine", r.ANA: "deliver"}
    assert "GUARDIAN" not in decision.per_recipient[r.RAUL].family


@pytest.mark.parametrize("parents_count", [False, True])
def test_eligible_student_and_their_parents(
    scanner: Scanner, policy: Policy, parents_count: bool
) -> None:
    chosen = replace(
        policy, families=replace(policy.families, eligible_student_parents=parents_count)
    )
    body = "Sofía Álvarez (student ID 3001008): report card grades, A in Algebra."
    decision = _decide(scanner, chosen, body, [r.SOFIA, r.PEDRO])
    assert decision.per_recipient[r.SOFIA].verdict is Verdict.DELIVER
    assert decision.per_recipient[r.PEDRO].verdict is (
        Verdict.DELIVER if parents_count else Verdict.QUARANTINE
    )


def test_idn_domain_guardian(scanner: Scanner, policy: Policy) -> None:
    body = "Wilhelmina Brandt (student ID 3001009): report card grades, A in Algebra."
    decision = _decide(scanner, policy, body, ["Eltern@BÜCHER.example"])
    (verdict,) = decision.per_recipient.values()
    assert verdict.address == "Eltern@xn--bcher-kva.example"
    assert verdict.verdict is Verdict.DELIVER


TEACHER_OWN = (
    "Hi Dr. Patel, I was diagnosed with an anxiety disorder last month and my new medication "
    "makes me drowsy. Can we move my appointment?\n\nThanks,\nLisa Harmon\nMath teacher"
)


def test_sender_writing_about_herself_passes(scanner: Scanner, policy: Policy) -> None:
    doctor = "dr.patel@clinic.example"
    decision = _decide(scanner, policy, TEACHER_OWN, [doctor])
    assert _verdicts(decision) == {doctor: "deliver"}
    # Matched by the header From in a district domain too (a list server's envelope sender).
    relayed = _decide(
        scanner,
        policy,
        TEACHER_OWN,
        [doctor],
        sender="bounces@lists.example",
        header_from=r.TEACHER,
    )
    assert _verdicts(relayed) == {doctor: "deliver"}
    # Another teacher sending the same: Lisa's health is a third person's personnel record.
    other = _decide(scanner, policy, TEACHER_OWN, [doctor], sender="someone@cusd.com")
    assert _rules(other, doctor) == {"personnel-record-outside"}
    # A From outside the district proves nothing.
    forged = _decide(
        scanner,
        policy,
        TEACHER_OWN,
        [doctor],
        sender="x@evil.example",
        header_from="lharmon@evil.example",
    )
    assert _verdicts(forged) == {doctor: "quarantine"}


def test_directory_opt_out_still_holds_for_others(scanner: Scanner, policy: Policy) -> None:
    body = "Noah Parkinson will play the lead in the school play on Friday."
    decision = _decide(scanner, policy, body, [r.PARK, STRANGER])
    assert _verdicts(decision) == {r.PARK: "deliver", STRANGER: "quarantine"}
    assert _rules(decision, STRANGER) == {"directory-opt-out-outside"}
