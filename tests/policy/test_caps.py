"""Findings capped per entity type: the policy still sees every type, counts past the cap are
lower bounds that say so, and a decision crosses a process boundary intact."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.model import Location, Segment
from dlp.pipeline import collect, scan_message
from dlp.policy import Verdict, decide, parse_policy
from dlp.policy.facts import beyond_the_cap

from .conftest import TODAY, finding

POLICY = """
[district]
domains = ["cusd.com"]
[[rules]]
name = "many-ssns"
when = "count(US_SSN) >= 10"
action = "reject"
explain = "Ten or more Social Security numbers."
[[rules]]
name = "phone-list"
when = "count(PHONE_NUMBER) >= 1000"
action = "quarantine"
explain = "A list of a thousand phone numbers or more."
"""
SSNS = [f"536-22-{1000 + n}" for n in range(12)]


def message() -> bytes:
    lines = [f"Call 415-555-{n % 10000:04d} today." for n in range(10_000)]
    lines += [f"Employee SSN: {ssn}" for ssn in SSNS]
    return (
        "From: t@cusd.com\r\nTo: p@example.org\r\nSubject: list\r\n\r\n" + "\r\n".join(lines)
    ).encode()


def test_ssns_after_ten_thousand_phone_numbers_still_count(scanner) -> None:
    result = scan_message(message(), scanner)  # the default cap: 1,000 per type
    assert result.beyond_cap == {"PHONE_NUMBER": 9000}
    assert sum(f.entity_type == "US_SSN" for f in result.findings) == len(SSNS)

    decision = decide(parse_policy(POLICY, "p.toml"), "t@cusd.com", ["p@example.org"], result)
    verdict = decision.per_recipient["p@example.org"]
    assert [rule.name for rule in verdict.rules] == ["many-ssns", "phone-list"]
    assert verdict.verdict is Verdict.REJECT
    summaries = {summary.entity_type: summary for summary in decision.findings}
    phones, ssns = summaries["PHONE_NUMBER"], summaries["US_SSN"]
    assert (phones.count, phones.lower_bound, phones.beyond_cap) == (1000, True, 9000)
    assert (ssns.count, ssns.lower_bound) == (12, False)
    assert "at least 1000 x phone number" in verdict.rules[1].explanation
    assert "12 x Social Security number" in verdict.rules[0].explanation

    audit = decision.audit_fields("<m@cusd.com>")["findings"]
    record = {item["entity_type"]: item for item in audit}  # type: ignore[attr-defined]
    assert record["PHONE_NUMBER"]["lower_bound"] is True
    assert record["PHONE_NUMBER"]["beyond_cap"] == 9000
    assert "lower_bound" not in record["US_SSN"]
    kept = decision.to_dict()["findings"]
    stored = {item["entity_type"]: item for item in kept}  # type: ignore[attr-defined]
    assert stored["PHONE_NUMBER"]["lower_bound"] is True


def test_a_cap_below_one_is_refused(scanner) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        collect([Segment("x")], scanner, max_per_type=0)


class _Listed:
    """A scanner that finds one finding per word of a segment, of that word's entity type."""

    def scan(self, segment: Segment, take: Callable[[str, Location], bool]) -> list:
        words = segment.text.split()
        return [
            finding(w, start=n, location=segment.location)
            for n, w in enumerate(words)
            if take(w, segment.location)
        ]


@given(
    st.lists(st.lists(st.sampled_from(["US_SSN", "PHONE_NUMBER", "STUDENT_ID"]), max_size=30)),
    st.integers(1, 20),
)
def test_the_cap_keeps_the_first_of_each_type_and_counts_the_rest(
    segments: list[list[str]], cap: int
) -> None:
    items = [
        Segment(" ".join(words), Location(path=(f"s{i}",))) for i, words in enumerate(segments)
    ]
    result = collect(items, _Listed(), max_per_type=cap)  # type: ignore[arg-type]
    everything = [(i, n, w) for i, words in enumerate(segments) for n, w in enumerate(words)]
    for entity in {w for _, _, w in everything}:
        found = [(i, n) for i, n, w in everything if w == entity]
        kept = [
            (int(f.location.path[0][1:]), f.start)
            for f in result.findings
            if f.entity_type == entity
        ]
        assert kept == found[:cap]  # the first ones, in order, and at least one of each type
        assert result.beyond_cap.get(entity, 0) == len(found) - len(kept)


def test_a_decision_pickles_whole(sample_policy) -> None:
    """Made in a scanning process, read in the gateway's: it must arrive the same."""
    result = collect(
        [Segment("US_SSN STUDENT_ID SPECIAL_EDUCATION US_SSN")], _Listed(), max_per_type=1
    )  # type: ignore[arg-type]
    assert result.beyond_cap == {"US_SSN": 1}
    decision = decide(
        sample_policy,
        "t@cusd.com",
        ["parent@gmail.com", "c@cusd.com"],
        result,
        today=TODAY,
    )
    copy = pickle.loads(pickle.dumps(decision))
    assert copy == decision
    assert isinstance(copy.per_recipient, MappingProxyType)
    assert copy.findings[0].lower_bound or copy.findings[1].lower_bound


def test_comparisons_a_cap_would_misjudge_are_named(sample_policy) -> None:
    policy = parse_policy(
        POLICY
        + """
[symbols]
huge = "distinct(STUDENT_ID) > 1000"
[[rules]]
name = "huge-list"
when = "EXTERNAL and not (huge or count(US_SSN) < 5000)"
action = "reject"
explain = "x"
""",
        "p.toml",
    )
    assert beyond_the_cap(policy, 1000) == ["rule huge-list: > 1000", "rule huge-list: < 5000"]
    assert beyond_the_cap(policy, 5000) == []
    assert beyond_the_cap(sample_policy, 1000) == []


def test_findings_in_names_are_kept_past_the_cap(scanner) -> None:
    """A name is masked by its own findings (`dlp.identifiers`): past the cap they still count."""
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "t@cusd.com", "p@example.org", "list"
    mail.set_content("\n".join(f"Call 415-555-{1000 + n} today." for n in range(5)))
    mail.add_attachment(
        b"Employee SSN: 536-22-1234", maintype="text", subtype="plain", filename="415-555-0199.txt"
    )
    result = scan_message(mail.as_bytes(), scanner, max_per_type=2)
    assert result.beyond_cap == {"PHONE_NUMBER": 3}
    named = [f for f in result.findings if f.location.part == "file name"]
    assert [f.entity_type for f in named] == ["PHONE_NUMBER"]
    [ssn] = [f for f in result.findings if f.entity_type == "US_SSN"]
    assert "415-555-0199" not in str(ssn.location)  # the member's name, masked in its location
