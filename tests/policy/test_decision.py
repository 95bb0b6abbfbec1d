from __future__ import annotations

from dataclasses import replace
from datetime import date

from dlp.model import Location, UnscannableReason
from dlp.policy import Encryption, Mode, Verdict, decide, parse_policy
from dlp.policy.config import WithoutCertificate

from .conftest import TODAY, finding, scan

SENDER = "teacher@cusd.com"
IEP = (finding("STUDENT_ID", "4455667"), finding("SPECIAL_EDUCATION", "IEP"))


def verdicts(decision) -> dict[str, Verdict]:
    return {address: item.verdict for address, item in decision.per_recipient.items()}


def rules(decision, address: str) -> list[str]:
    return [rule.name for rule in decision.per_recipient[address].rules]


def test_iep_to_parent_personal_address_is_held(sample_policy) -> None:
    decision = decide(sample_policy, SENDER, ["parent@gmail.com"], scan(*IEP), today=TODAY)
    verdict = decision.per_recipient["parent@gmail.com"]
    assert verdict.verdict is Verdict.QUARANTINE
    assert verdict.kind == "external"
    assert "student-record-outside" in rules(decision, "parent@gmail.com")
    assert {"AR7203.E.2", "AR7203.L.3.a"} <= set(verdict.clauses)
    fired = next(rule for rule in verdict.rules if rule.name == "student-record-outside")
    assert {summary.entity_type for summary in fired.findings} == {
        "STUDENT_ID",
        "SPECIAL_EDUCATION",
    }
    assert "No approved data-sharing agreement names this recipient." in fired.explanation
    assert "1 student ID number (in message / body)" in fired.explanation


def test_message_is_split_between_internal_and_external(sample_policy) -> None:
    decision = decide(
        sample_policy, SENDER, ["counselor@cusd.com", "parent@gmail.com"], scan(*IEP), today=TODAY
    )
    assert verdicts(decision) == {
        "counselor@cusd.com": Verdict.DELIVER,
        "parent@gmail.com": Verdict.QUARANTINE,
    }
    assert decision.groups() == {
        (Verdict.DELIVER, None): ("counselor@cusd.com",),
        (Verdict.QUARANTINE, None): ("parent@gmail.com",),
    }
    assert decision.per_recipient["counselor@cusd.com"].rules == ()


def test_subdomains_are_internal(sample_policy) -> None:
    decision = decide(sample_policy, SENDER, ["Nurse <nurse@HS.Cusd.com>"], scan(*IEP), today=TODAY)
    assert verdicts(decision) == {"nurse@hs.cusd.com": Verdict.DELIVER}


def test_gradebook_to_authorized_vendor_is_encrypted(sample_policy) -> None:
    gradebook = scan(
        *(finding("STUDENT_ID", f"90000{i:02}", start=i * 20) for i in range(12)),
        *(finding("GRADE_VALUE", f"B+{i}", start=i * 20 + 10) for i in range(12)),
        finding("GRADES", "report card"),
        finding("GRADES", "transcript", start=400),
    )
    vendor = "sync@gradebook-vendor.example"
    decision = decide(sample_policy, SENDER, [vendor], gradebook, today=TODAY)
    verdict = decision.per_recipient[vendor]
    assert verdict.kind == "authorized"
    assert verdict.verdict is Verdict.ENCRYPT
    assert verdict.encryption is Encryption.REQUIRE_TLS  # no certificate on file
    # the bulk rule fired but the agreement covers it
    assert "bulk-students-outside" in rules(decision, vendor)
    bulk = next(rule for rule in verdict.rules if rule.name == "bulk-students-outside")
    assert bulk.verdict is Verdict.ENCRYPT
    assert "Covered by the agreement with Gradebook vendor" in bulk.explanation

    with_cert = decide(
        sample_policy, SENDER, [vendor], gradebook, certificates={vendor}, today=TODAY
    )
    assert with_cert.per_recipient[vendor].encryption is Encryption.SMIME

    # the same export to anyone else is refused outright (bulk rule: reject)
    other = decide(sample_policy, SENDER, ["someone@yahoo.com"], gradebook, today=TODAY)
    assert other.per_recipient["someone@yahoo.com"].verdict is Verdict.REJECT


def test_vendor_gets_only_what_its_agreement_covers(sample_policy) -> None:
    vendor = "sync@gradebook-vendor.example"
    decision = decide(
        sample_policy,
        SENDER,
        [vendor],
        scan(*IEP, finding("HEALTH", "asthma"), finding("HEALTH", "inhaler", start=9)),
        today=TODAY,
    )
    verdict = decision.per_recipient[vendor]
    assert verdict.verdict is Verdict.QUARANTINE
    fired = next(rule for rule in verdict.rules if rule.name == "student-record-outside")
    assert "does not cover: HEALTH, SPECIAL_EDUCATION" in fired.explanation


def test_expired_agreement_no_longer_authorizes(sample_policy) -> None:
    vendor = "sync@gradebook-vendor.example"
    grades = scan(finding("STUDENT_ID"), finding("GRADE_VALUE", "A-"))
    before = decide(sample_policy, SENDER, [vendor], grades, today=date(2027, 6, 30))
    after = decide(sample_policy, SENDER, [vendor], grades, today=date(2027, 7, 1))
    assert before.per_recipient[vendor].verdict is Verdict.ENCRYPT
    assert after.per_recipient[vendor].verdict is Verdict.QUARANTINE
    assert after.per_recipient[vendor].kind == "external"
    assert "expired on 2027-06-30" in after.per_recipient[vendor].rules[0].explanation


def test_address_authorization(sample_policy) -> None:
    selpa = "sped-records@fcoe.example"
    decision = decide(
        sample_policy, SENDER, [selpa, "someone-else@fcoe.example"], scan(*IEP), today=TODAY
    )
    assert verdicts(decision) == {
        selpa: Verdict.ENCRYPT,
        "someone-else@fcoe.example": Verdict.QUARANTINE,
    }


def test_ssn_list_to_lookalike_domain(sample_policy) -> None:
    ssns = scan(*(finding("US_SSN", f"123-45-67{i:02}", start=i * 15) for i in range(5)))
    decision = decide(sample_policy, SENDER, ["hr@cusd.corn", "hr@cusd.com"], ssns, today=TODAY)
    held = decision.per_recipient["hr@cusd.corn"]
    assert held.verdict is Verdict.QUARANTINE
    assert held.lookalike == "cusd.corn looks like cusd.com (look-alike characters)"
    assert "lookalike-recipient" in rules(decision, "hr@cusd.corn")
    assert "AR7203.E.3" in held.clauses
    assert decision.per_recipient["hr@cusd.com"].verdict is Verdict.DELIVER


def test_lookalike_of_partner_domain_is_held_even_without_data(sample_policy) -> None:
    decision = decide(sample_policy, SENDER, ["sync@gradebook-vendor.exampel"], scan(), today=TODAY)
    verdict = decision.per_recipient["sync@gradebook-vendor.exampel"]
    assert verdict.verdict is Verdict.QUARANTINE
    assert verdict.lookalike is not None and "gradebook-vendor.example" in verdict.lookalike


def test_aggregate_report_without_identifiable_student_is_delivered(sample_policy) -> None:
    report = scan(
        finding("SPECIAL_EDUCATION", "IEP"),
        finding("SPECIAL_EDUCATION", "504 plan", start=30),
        finding("GRADES", "grade distribution", start=60),
        finding("GRADES", "proficiency", start=90),
        finding("DEMOGRAPHIC", "English learners", start=120),
    )
    decision = decide(sample_policy, SENDER, ["board@county.example"], report, today=TODAY)
    assert verdicts(decision) == {"board@county.example": Verdict.DELIVER}
    assert decision.per_recipient["board@county.example"].rules == ()


def test_encrypted_zip_outside_is_held_inside_delivered(sample_policy) -> None:
    result = scan(unscannable=(UnscannableReason.ENCRYPTED,))
    decision = decide(sample_policy, SENDER, ["a@cusd.com", "b@gmail.com"], result, today=TODAY)
    assert verdicts(decision) == {"a@cusd.com": Verdict.DELIVER, "b@gmail.com": Verdict.QUARANTINE}
    fired = decision.per_recipient["b@gmail.com"].rules
    assert [rule.name for rule in fired] == ["unscannable-content"]
    assert "message / file0.zip (encrypted)" in fired[0].explanation
    # photos are delivered by the sample policy's per-reason override
    photo = decide(
        sample_policy,
        SENDER,
        ["b@gmail.com"],
        scan(unscannable=(UnscannableReason.IMAGE_CONTENT,)),
        today=TODAY,
    )
    assert verdicts(photo) == {"b@gmail.com": Verdict.DELIVER}


def test_secure_tag_upgrades_but_never_authorizes(sample_policy) -> None:
    clean = decide(
        sample_policy, SENDER, ["x@gmail.com"], scan(), subject_tag_present=True, today=TODAY
    )
    assert clean.per_recipient["x@gmail.com"].verdict is Verdict.ENCRYPT
    assert rules(clean, "x@gmail.com") == ["sender-requested-encryption"]
    held = decide(
        sample_policy, SENDER, ["x@gmail.com"], scan(*IEP), subject_tag_present=True, today=TODAY
    )
    assert held.per_recipient["x@gmail.com"].verdict is Verdict.QUARANTINE
    assert "sender-requested-encryption" not in rules(held, "x@gmail.com")


def test_no_certificate_fallback(sample_policy) -> None:
    strict = replace(
        sample_policy,
        encryption=replace(
            sample_policy.encryption, without_certificate=WithoutCertificate.QUARANTINE
        ),
    )
    vendor = "sync@gradebook-vendor.example"
    grades = scan(finding("STUDENT_ID"), finding("GRADE_VALUE", "A-"))
    decision = decide(strict, SENDER, [vendor], grades, today=TODAY)
    assert decision.per_recipient[vendor].verdict is Verdict.QUARANTINE
    assert rules(decision, vendor)[-1] == "no-certificate"
    with_cert = decide(strict, SENDER, [vendor], grades, certificates={vendor}, today=TODAY)
    assert with_cert.per_recipient[vendor].encryption is Encryption.SMIME


def test_min_score_and_min_count(sample_policy) -> None:
    weak_ssn = scan(finding("US_SSN", "123-45-6789", score=0.45))  # US_SSN needs 0.5
    assert not decide(sample_policy, SENDER, ["x@gmail.com"], weak_ssn, today=TODAY).blocked
    strong = scan(finding("US_SSN", "123-45-6789", score=0.5))
    assert decide(sample_policy, SENDER, ["x@gmail.com"], strong, today=TODAY).blocked
    # HEALTH needs two instances before it counts
    one = scan(finding("STUDENT_ID"), finding("HEALTH", "asthma"))
    decision = decide(sample_policy, SENDER, ["x@gmail.com"], one, today=TODAY)
    assert "student-record-outside" not in rules(decision, "x@gmail.com")
    two = scan(finding("STUDENT_ID"), finding("HEALTH", "asthma"), finding("HEALTH", "epipen"))
    decision = decide(sample_policy, SENDER, ["x@gmail.com"], two, today=TODAY)
    assert "student-record-outside" in rules(decision, "x@gmail.com")


def test_bulk_counts_distinct_students_not_findings(sample_policy) -> None:
    # the same student named 30 times is one student
    same = scan(
        *(finding("ROSTER_STUDENT_NAME", "Ann Lee", subject="s1", start=i * 10) for i in range(30))
    )
    decision = decide(sample_policy, SENDER, ["x@gmail.com"], same, today=TODAY)
    assert "bulk-students-outside" not in rules(decision, "x@gmail.com")
    # a roster ID and the plain student ID at the same place are one student too
    people = []
    for i in range(10):
        place = Location(path=("roster.csv",), row=i + 2)
        people.append(finding("STUDENT_ID", f"55500{i:02}", location=place))
        people.append(finding("ROSTER_STUDENT_ID", f"55500{i:02}", subject=f"s{i}", location=place))
    many = decide(sample_policy, SENDER, ["x@gmail.com"], scan(*people), today=TODAY)
    assert many.per_recipient["x@gmail.com"].verdict is Verdict.REJECT
    bulk = next(
        r for r in many.per_recipient["x@gmail.com"].rules if r.name == "bulk-students-outside"
    )
    assert {summary.people for summary in bulk.findings} == {10}
    fewer = decide(sample_policy, SENDER, ["x@gmail.com"], scan(*people[:18]), today=TODAY)
    assert "bulk-students-outside" not in rules(fewer, "x@gmail.com")


def test_directory_information_and_opt_out(sample_policy) -> None:
    directory = scan(
        finding("ROSTER_STUDENT_NAME", "Ann Lee", subject="s-ann"),
        finding("PHONE_NUMBER", "559-555-0101", start=20),
    )
    free = decide(sample_policy, SENDER, ["coach@club.example"], directory, today=TODAY)
    assert verdicts(free) == {"coach@club.example": Verdict.DELIVER}
    restricted = decide(
        sample_policy, SENDER, ["coach@club.example"], directory, opted_out={"s-ann"}, today=TODAY
    )
    verdict = restricted.per_recipient["coach@club.example"]
    assert verdict.verdict is Verdict.QUARANTINE
    assert verdict.clauses == ("FERPA.directory-opt-out",)


def test_precedence_and_every_fired_rule_is_listed(sample_policy) -> None:
    everything = scan(
        *(finding("STUDENT_ID", f"70000{i:02}", start=i * 20) for i in range(10)),
        finding("SPECIAL_EDUCATION", "IEP", start=500),
        finding("US_SSN", "123-45-6789", start=600),
        finding("DATE_OF_BIRTH", "01/02/2010", start=700),  # weights: 4 + 4 + 10 + 2 = 20
    )
    decision = decide(sample_policy, SENDER, ["x@cusd.corn"], everything, today=TODAY)
    verdict = decision.per_recipient["x@cusd.corn"]
    assert verdict.verdict is Verdict.REJECT
    assert rules(decision, "x@cusd.corn") == [
        "lookalike-recipient",
        "student-record-outside",
        "student-non-directory-outside",
        "secrets-outside",
        "bulk-students-outside",
        "heavy-content-outside",
    ]
    assert [rule.verdict for rule in verdict.rules].count(Verdict.REJECT) == 1


def test_audit_mode_decides_but_delivers(sample_policy) -> None:
    audit = replace(sample_policy, mode=Mode.AUDIT)
    decision = decide(audit, SENDER, ["parent@gmail.com"], scan(*IEP), today=TODAY)
    verdict = decision.per_recipient["parent@gmail.com"]
    assert (verdict.verdict, verdict.intended) == (Verdict.DELIVER, Verdict.QUARANTINE)
    assert not decision.blocked and decision.intended_blocked
    assert verdict.rules  # still explained


def test_duplicate_recipients_decided_once(sample_policy) -> None:
    decision = decide(
        sample_policy, SENDER, ["a@gmail.com", "A@GMAIL.com", "<a@gmail.com>"], scan(), today=TODAY
    )
    assert list(decision.per_recipient) == ["a@gmail.com", "A@gmail.com"]


def test_to_dict_is_json_ready(sample_policy) -> None:
    import json

    decision = decide(sample_policy, SENDER, ["parent@gmail.com"], scan(*IEP), today=TODAY)
    document = json.loads(json.dumps(decision.to_dict()))
    recipient = document["recipients"][0]
    assert recipient["verdict"] == "quarantine"
    assert recipient["rules"][0]["findings"][0]["masked"] == ["*****67"]


def test_custom_minimal_policy_rule_with_if_authorized() -> None:
    policy = parse_policy(
        """
[district]
domains = ["d.org"]
[[rules]]
name = "ids"
when = "EXTERNAL and IDENTIFIER"
action = "reject"
if_authorized = "deliver"
explain = "IDs outside."
[[authorized]]
name = "V"
addresses = ["ok@v.example"]
categories = ["IDENTIFIER"]
agreement = "A-1"
""",
        "p.toml",
    )
    decision = decide(
        policy, "t@d.org", ["ok@v.example", "no@v.example"], scan(finding("STAFF_ID")), today=TODAY
    )
    assert verdicts(decision) == {"ok@v.example": Verdict.DELIVER, "no@v.example": Verdict.REJECT}


def test_staff_ssns_to_the_gradebook_vendor_are_held(sample_policy) -> None:
    # The vendor's agreement covers IDENTIFIER (student IDs); an SSN is an IDENTIFIER too, but
    # only an agreement that names US_SSN covers it.
    vendor = "sync@gradebook-vendor.example"
    staff = scan(
        *(finding("STAFF_ID", f"20443{i}", start=i * 40) for i in range(3)),
        *(finding("US_SSN", f"523-41-612{i}", start=i * 40 + 20) for i in range(3)),
    )
    verdict = decide(sample_policy, SENDER, [vendor], staff, today=TODAY).per_recipient[vendor]
    assert verdict.verdict is Verdict.QUARANTINE
    fired = {rule.name: rule for rule in verdict.rules}
    assert {"staff-ssn-outside", "secrets-outside"} <= set(fired)
    assert "student-non-directory-outside" not in fired
    assert fired["staff-ssn-outside"].verdict is Verdict.QUARANTINE
    assert "does not cover: US_SSN." in fired["staff-ssn-outside"].explanation


AGREEMENTS = """
[district]
domains = ["d.org"]
[defaults]
weight_cap = 10
[[rules]]
name = "heavy"
when = "EXTERNAL and score >= 5"
action = "reject"
if_authorized = "encrypt"
explain = "Much sensitive data."
[[rules]]
name = "ids"
when = "EXTERNAL and IDENTIFIER"
action = "quarantine"
if_authorized = "deliver"
explain = "IDs outside."
[[authorized]]
name = "Grades only"
domains = ["grades.example"]
categories = ["IDENTIFIER", "GRADES"]
agreement = "A-1"
[[authorized]]
name = "Payroll processor"
domains = ["payroll.example"]
categories = ["IDENTIFIER"]
entities = ["US_SSN"]
agreement = "A-2"
"""


def test_an_agreement_naming_us_ssn_covers_it() -> None:
    policy = parse_policy(AGREEMENTS, "p.toml")
    assert policy.authorized[1].entities == frozenset({"US_SSN"})
    ssn = scan(finding("US_SSN", "523-41-6120"))
    recipients = ["a@payroll.example", "a@grades.example"]
    decision = decide(policy, "t@d.org", recipients, ssn, today=TODAY)
    assert verdicts(decision) == {
        "a@payroll.example": Verdict.DELIVER,
        "a@grades.example": Verdict.QUARANTINE,
    }
    # the category alone still covers the other identifiers
    ids = scan(finding("STUDENT_ID"))
    decision = decide(policy, "t@d.org", ["a@grades.example"], ids, today=TODAY)
    assert verdicts(decision) == {"a@grades.example": Verdict.DELIVER}


def test_a_score_rule_is_covered_only_when_every_finding_is() -> None:
    policy = parse_policy(AGREEMENTS, "p.toml")
    grades = scan(*(finding("GRADE_VALUE", f"B{i}", start=i * 5) for i in range(5)))
    covered = decide(policy, "t@d.org", ["a@grades.example"], grades, today=TODAY)
    heavy = covered.per_recipient["a@grades.example"].rules[0]
    assert (heavy.name, heavy.verdict) == ("heavy", Verdict.ENCRYPT)
    # the findings behind a score rule are all the counted ones
    assert {summary.entity_type for summary in heavy.findings} == {"GRADE_VALUE"}

    with_health = scan(*grades.findings, finding("HEALTH", "asthma", start=90))
    held = decide(policy, "t@d.org", ["a@grades.example"], with_health, today=TODAY)
    heavy = held.per_recipient["a@grades.example"].rules[0]
    assert (heavy.name, heavy.verdict) == ("heavy", Verdict.REJECT)
    assert "does not cover: HEALTH." in heavy.explanation


def test_lookalike_of_a_partner_named_by_address_only(sample_policy) -> None:
    # The SELPA agreement names sped-records@fcoe.example, no domain: fcoe.example is protected.
    decision = decide(sample_policy, SENDER, ["sped-records@fc0e.example"], scan(*IEP), today=TODAY)
    verdict = decision.per_recipient["sped-records@fc0e.example"]
    assert verdict.verdict is Verdict.QUARANTINE
    assert verdict.lookalike == "fc0e.example looks like fcoe.example (look-alike characters)"
    assert "lookalike-recipient" in rules(decision, "sped-records@fc0e.example")


def test_staff_home_contact_outside_is_encrypted_at_least(sample_policy) -> None:
    contact = scan(
        finding("STAFF_ID", "204418"),
        finding("US_STREET_ADDRESS", "1482 North Willow Avenue", start=20),
        finding("PHONE_NUMBER", "(559) 555-0148", start=60),
    )
    decision = decide(sample_policy, SENDER, ["p@gmail.com", "x@cusd.com"], contact, today=TODAY)
    assert decision.per_recipient["p@gmail.com"].verdict.rank >= Verdict.ENCRYPT.rank
    assert "staff-contact-outside" in rules(decision, "p@gmail.com")
    assert "AR7203.L.3.b" in decision.per_recipient["p@gmail.com"].clauses
    assert decision.per_recipient["x@cusd.com"].verdict is Verdict.DELIVER
    # a student's address and phone are FERPA directory information: no staff rule
    student = scan(finding("STUDENT_ID"), *contact.findings[1:])
    decision = decide(sample_policy, SENDER, ["p@gmail.com"], student, today=TODAY)
    assert "staff-contact-outside" not in rules(decision, "p@gmail.com")
