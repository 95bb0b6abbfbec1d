"""`overridable` on a rule: false unless the policy says so, a boolean, and what decides
whether a held message gets the sender's override link (`dlp.portal.override`)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.policy import load_policy
from dlp.policy.config import Policy
from dlp.policy.load import PolicyError, parse_policy
from dlp.portal.override import holding_rules, in_district, overridable

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "policy.toml"


def test_only_the_score_alone_rule_of_the_sample_is_overridable() -> None:
    policy = load_policy(SAMPLE)
    marked = {rule.name for rule in policy.rules if rule.overridable}
    assert marked == {"heavy-content-outside"}
    assert not {"bulk-students-outside", "student-non-directory-outside"} & marked


def test_overridable_must_be_a_boolean() -> None:
    text = SAMPLE.read_text().replace("overridable = true\n", 'overridable = "yes"\n')
    with pytest.raises(PolicyError, match="overridable"):
        parse_policy(text, "p.toml")


def test_every_holding_rule_must_be_overridable() -> None:
    policy = load_policy(SAMPLE)
    held = ("p@gmail.com",)

    def decision(*rules: tuple[str, str], family: tuple[str, ...] = ()) -> dict[str, object]:
        return {
            "recipients": [
                {
                    "address": "P@gmail.com",
                    "family": list(family),
                    "rules": [{"rule": name, "verdict": verdict} for name, verdict in rules],
                },
                {
                    "address": "x@other.org",
                    "rules": [{"rule": "secrets-outside", "verdict": "quarantine"}],
                },
            ]
        }

    alone = decision(("heavy-content-outside", "quarantine"), ("staff-contact-outside", "encrypt"))
    assert holding_rules(alone, held) == {"heavy-content-outside"}
    assert overridable(policy, holding_rules(alone, held))
    both = decision(
        ("heavy-content-outside", "quarantine"), ("student-record-outside", "quarantine")
    )
    assert not overridable(policy, holding_rules(both, held))
    refused = decision(("heavy-content-outside", "quarantine"), ("bulk-students-outside", "reject"))
    assert holding_rules(refused, held) is None and not overridable(policy, None)
    flagged = decision(("heavy-content-outside", "quarantine"), family=("OPTED_OUT",))
    assert not overridable(policy, holding_rules(flagged, held))
    assert not overridable(policy, holding_rules(decision(), held))  # nothing named: unscannable


def test_the_sender_must_be_in_a_district_domain() -> None:
    policy = load_policy(SAMPLE)
    domain = policy.internal_domains[0]
    assert in_district(f"t@{domain}", policy) and in_district(f"t@mail.{domain}", policy)
    assert not in_district(f"t@evil{domain}", policy) and not in_district("t@gmail.com", policy)
    assert not in_district("", policy)


@functools.cache
def _sample() -> Policy:
    return load_policy(SAMPLE)


_NAMES = sorted(rule.name for rule in _sample().rules)


@given(
    st.lists(
        st.tuples(st.sampled_from(_NAMES), st.sampled_from(["quarantine", "encrypt", "deliver"])),
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None)
def test_a_link_exactly_when_every_holding_rule_is_marked(fired: list[tuple[str, str]]) -> None:
    policy = _sample()
    marked = {rule.name for rule in policy.rules if rule.overridable}
    decision = {
        "recipients": [
            {"address": "p@gmail.com", "rules": [{"rule": n, "verdict": v} for n, v in fired]}
        ]
    }
    holding = {name for name, verdict in fired if verdict == "quarantine"}
    assert holding_rules(decision, ("p@gmail.com",)) == holding
    assert overridable(policy, holding) == (bool(holding) and holding <= marked)
