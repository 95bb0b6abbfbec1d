from __future__ import annotations

from pathlib import Path

import pytest

from dlp.model import Category, UnscannableReason
from dlp.policy import Mode, PolicyError, Verdict, load_policy, parse_policy
from dlp.policy.config import WithoutCertificate

MINIMAL = """\
version = 1
mode = "enforce"

[district]
domains = ["cusd.com"]

[clauses]
"E.2" = "Outside the district: authorized, encrypted, secure."

[entities.US_SSN]
min_score = 0.6

[symbols]
student = "STUDENT_ID or ROSTER_STUDENT_NAME"

[[rules]]
name = "first"
when = "EXTERNAL and student"
action = "quarantine"
clauses = ["E.2"]
explain = "Student data outside."

[[rules]]
name = "second"
when = "EXTERNAL and US_SSN"
action = "reject"
clauses = ["E.2"]
explain = "SSN outside."

[[authorized]]
name = "Vendor"
domains = ["vendor.example"]
categories = ["IDENTIFIER"]
agreement = "DPA-1"
expires = 2030-01-01
"""


def test_sample_policy_loads(sample_policy) -> None:
    assert sample_policy.mode is Mode.ENFORCE
    assert "cusd.com" in sample_policy.internal_domains
    assert {rule.name for rule in sample_policy.rules} >= {
        "lookalike-recipient",
        "student-record-outside",
        "bulk-students-outside",
    }
    # every clause a rule cites is declared, with words people read
    for rule in sample_policy.rules:
        assert rule.explain
        for clause in rule.clauses:
            assert sample_policy.clause_title(clause)
    assert sample_policy.unscannable.verdict(UnscannableReason.ENCRYPTED, external=True) is (
        Verdict.QUARANTINE
    )
    assert sample_policy.encryption.tag_in("Grades [SECURE] for Period 3")


def test_minimal_policy_defaults() -> None:
    policy = parse_policy(MINIMAL, "minimal.toml")
    assert policy.threshold("US_SSN").min_score == 0.6
    assert policy.threshold("STUDENT_ID").min_score == 0.4  # the scanner's own threshold
    assert policy.encryption.without_certificate is WithoutCertificate.REQUIRE_TLS
    assert policy.authorized[0].categories == frozenset({Category.IDENTIFIER})
    assert [rule.action for rule in policy.rules] == [Verdict.QUARANTINE, Verdict.REJECT]


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "key", "message"),
    [
        (
            'when = "EXTERNAL and US_SSN"',
            'when = "EXTERNAL and US_SN"',
            "US_SN",
            "rules[1].when",
            "unknown name 'US_SN' (column 14)",
        ),
        (
            'action = "reject"',
            'action = "bounce"',
            "bounce",
            "rules[1].action",
            'must be one of "deliver", "encrypt", "quarantine", "reject"',
        ),
        (
            'clauses = ["E.2"]\nexplain = "SSN',
            'clauses = ["E.9"]\nexplain = "SSN',
            "E.9",
            "rules[1].clauses",
            "clause 'E.9' is not declared under [clauses]",
        ),
        (
            "min_score = 0.6",
            "min_score = 1.6",
            "1.6",
            "entities.US_SSN.min_score",
            "must be between 0.0 and 1.0",
        ),
        (
            "min_score = 0.6",
            "min_scor = 0.6",
            "min_scor",
            "entities.US_SSN.min_scor",
            "unknown key",
        ),
        (
            'categories = ["IDENTIFIER"]',
            'categories = ["GRADEZ"]',
            "GRADEZ",
            "authorized[0].categories",
            "unknown category 'GRADEZ'",
        ),
        (
            "expires = 2030-01-01",
            'expires = "2030-01-01"',
            "expires",
            "authorized[0].expires",
            "must be a date",
        ),
        (
            'domains = ["vendor.example"]',
            'domains = ["vendor example"]',
            "vendor example",
            "authorized[0].domains",
            "is not a domain name",
        ),
        ('mode = "enforce"', 'mode = "test"', "mode", "mode", "must be one of"),
        (
            'student = "STUDENT_ID or ROSTER_STUDENT_NAME"',
            'student = "student or US_SSN"',
            "student =",
            "symbols.student",
            "symbols refer to each other in a loop",
        ),
        (
            'student = "STUDENT_ID or ROSTER_STUDENT_NAME"',
            'US_SSN = "STUDENT_ID"',
            "US_SSN =",
            "symbols.US_SSN",
            "already a built-in name",
        ),
        (
            'name = "second"',
            'name = "first"',
            'name = "first"\nwhen = "EXTERNAL and US',
            "rules[1].name",
            "a rule named 'first' comes earlier",
        ),
    ],
)
def test_errors_name_file_line_and_key(old, new, needle, key, message) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "district.toml")
    error = caught.value
    first = needle.split("\n")[0]
    expected_line = [n for n, line in enumerate(text.splitlines(), 1) if first in line]
    expected_line = expected_line[-1] if key == "rules[1].name" else expected_line[0]
    assert (error.source, error.line, error.key) == ("district.toml", expected_line, key)
    assert message in error.message
    assert str(error).startswith(f"district.toml:{expected_line}: {key}: ")


def test_missing_key_points_at_its_table() -> None:
    text = MINIMAL.replace('explain = "SSN outside."\n', "")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.key == "rules[1]"
    assert caught.value.line == _line(text, 'name = "second"') - 1
    assert "missing key 'explain'" in str(caught.value)


def test_toml_syntax_error_has_a_line() -> None:
    text = MINIMAL.replace('name = "second"', 'name = "second')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.line == _line(text, 'name = "second')


def test_unknown_top_level_table() -> None:
    text = MINIMAL + "\n[notification]\nsender_subject = 'x'\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.key == "notification"
    assert caught.value.line == _line(text, "[notification]")


def test_custom_entity_needs_a_category() -> None:
    text = MINIMAL.replace("[symbols]", "[entities.LOCKER_CODE]\nweight = 2\n\n[symbols]")
    with pytest.raises(PolicyError, match=r"entities\.LOCKER_CODE: missing key 'category'"):
        parse_policy(text, "p.toml")
    text = text.replace("weight = 2", 'weight = 2\ncategory = "CREDENTIAL"')
    text = text.replace('"EXTERNAL and US_SSN"', '"EXTERNAL and count(LOCKER_CODE) >= 3"')
    policy = parse_policy(text, "p.toml")
    assert policy.entity_categories["LOCKER_CODE"] is Category.CREDENTIAL


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy"):
        load_policy(tmp_path / "missing.toml")


def test_every_error_is_reported_with_file_line_and_key() -> None:
    text = (
        MINIMAL.replace('mode = "enforce"', 'mode = "enforcing"')
        .replace('when = "EXTERNAL and student"', 'when = "EXTERNAL and studnet"')
        .replace('action = "reject"', 'action = "block"')
        .replace("expires = 2030-01-01", 'expires = 2030-01-01\ncategory = ["GRADES"]')
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "district.toml")
    error = caught.value
    found = [(item.line, item.key) for item in error.errors]
    assert found == [
        (_line(text, "mode ="), "mode"),
        (_line(text, "studnet"), "rules[0].when"),
        (_line(text, '"block"'), "rules[1].action"),
        (_line(text, "category = "), "authorized[0].category"),
    ]
    # the first error is the error itself; str() has one line per error
    assert (error.line, error.key) == found[0]
    lines = str(error).splitlines()
    assert len(lines) == 4
    assert all(line.startswith("district.toml:") for line in lines)
    assert lines[1] == (
        f"district.toml:{found[1][0]}: rules[0].when: unknown name 'studnet' (column 14) in "
        "'EXTERNAL and studnet'"
    )


def test_a_broken_symbol_is_reported_once_not_as_a_loop() -> None:
    text = MINIMAL.replace(
        'student = "STUDENT_ID or ROSTER_STUDENT_NAME"',
        'student = "STUDENT_ID or broken"\nbroken = "STUDENT_ID and and"\nuser = "student"',
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    messages = [str(item) for item in caught.value.errors]
    assert len(messages) == 1, messages
    assert "symbols.broken" in messages[0] and "loop" not in messages[0]


def test_an_agreement_lists_entity_types_or_categories() -> None:
    base = MINIMAL.replace('categories = ["IDENTIFIER"]', 'entities = ["US_SSN"]')
    policy = parse_policy(base, "p.toml")
    assert policy.authorized[0].entities == frozenset({"US_SSN"})
    assert policy.authorized[0].categories == frozenset()
    assert policy.authorized[0].covers("US_SSN", Category.IDENTIFIER)
    assert not policy.authorized[0].covers("STUDENT_ID", Category.IDENTIFIER)

    by_category = parse_policy(MINIMAL, "p.toml").authorized[0]
    assert by_category.covers("STUDENT_ID", Category.IDENTIFIER)
    assert not by_category.covers("US_SSN", Category.IDENTIFIER)  # SSNs must be named
    assert by_category.uncovered("US_SSN", Category.IDENTIFIER) == "US_SSN"
    assert by_category.uncovered("HEALTH", Category.HEALTH) == "HEALTH"

    for entities, message in [
        ('["SSN"]', "'SSN' is not an entity type"),
        ('["GRADES"]', "'GRADES' is not an entity type (categories go under 'categories')"),
    ]:
        text = MINIMAL.replace('categories = ["IDENTIFIER"]', f"entities = {entities}")
        with pytest.raises(PolicyError) as caught:
            parse_policy(text, "p.toml")
        assert caught.value.key == "authorized[0].entities"
        assert message in caught.value.message
    with pytest.raises(PolicyError, match="give at least one of 'categories' or 'entities'"):
        parse_policy(MINIMAL.replace('categories = ["IDENTIFIER"]\n', ""), "p.toml")


def test_partners_named_by_address_are_protected_from_lookalikes(sample_policy) -> None:
    assert "fcoe.example" in sample_policy.lookalike.protected
    text = MINIMAL.replace('domains = ["vendor.example"]', 'addresses = ["one@partner.example"]')
    assert "partner.example" in parse_policy(text, "p.toml").lookalike.protected
    off = parse_policy(text + "\n[lookalike]\ninclude_authorized = false\n", "p.toml")
    assert off.lookalike.protected == ("cusd.com",)


def test_allow_entries_are_read_and_checked() -> None:
    digest = "0123456789abcdef0123456789abcdef"
    allowing = (
        MINIMAL + f'\n[[allow]]\nentity_type = "US_SSN"\ndigest = "{digest.upper()}"\n'
        'note = "sample number on a worksheet"\n'
    )
    assert parse_policy(allowing, "p.toml").allowed == {("US_SSN", digest)}
    assert parse_policy(MINIMAL, "p.toml").allowed == frozenset()
    bad = MINIMAL + '\n[[allow]]\nentity_type = "US_SSN"\ndigest = "536-22-1234"\n'
    with pytest.raises(PolicyError) as error:
        parse_policy(bad, "p.toml")
    assert f"p.toml:{_line(bad, 'digest = ')}: allow[0].digest: must be the finding's" in str(
        error.value
    )
    with pytest.raises(PolicyError, match=r"allow\[0\]\.colour: unknown key"):
        parse_policy(allowing + 'colour = "red"\n', "p.toml")
