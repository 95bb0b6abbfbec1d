"""`sender.students_24h` in a rule: the sender's students over the day plus this message's,
from a real scan; a dotted name that is no fact is refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlp.pipeline import scan_message
from dlp.policy import PolicyError, decide, load_policy
from dlp.quarantine.decisions import students_in
from tests.quarantine.test_decisions import OUTSIDE, TEACHER, roster_mail

REPO = Path(__file__).resolve().parents[2]
RULE = """
[[rules]]
name = "many-students-over-a-day"
when = "EXTERNAL and sender.students_24h >= 6"
action = "reject"
clauses = ["FERPA.non-directory"]
explain = "This sender has sent many different students' data outside the district today."
"""


def _policy(tmp_path: Path, rule: str = RULE) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text((REPO / "samples" / "policy.toml").read_text() + rule)
    return path


def test_the_days_students_and_this_messages_decide(tmp_path: Path, scanner: object) -> None:
    policy = load_policy(_policy(tmp_path))
    scan = scan_message(roster_mail([20230101 + 37 * k for k in range(4)]), scanner)  # type: ignore[arg-type]
    here = students_in(scan)
    assert len(here) == 4

    def fired(before: frozenset[str]) -> bool:
        decision = decide(policy, TEACHER, [OUTSIDE], scan, sender_students=before)
        names = {rule.name for rule in decision.per_recipient[OUTSIDE].rules}
        return "many-students-over-a-day" in names

    assert not fired(frozenset())
    assert not fired(frozenset({"v:a"}) | here)  # the same students again: still 5
    assert fired(frozenset({"v:a", "v:b"}))  # 4 here and 2 earlier: 6
    internal = decide(
        policy, TEACHER, ["office@cusd.com"], scan, sender_students=frozenset({"v:a", "v:b"})
    )
    assert all(
        rule.name != "many-students-over-a-day"
        for rule in internal.per_recipient["office@cusd.com"].rules
    )


def test_a_dotted_name_that_is_no_fact_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(_policy(tmp_path, RULE.replace("sender.students_24h", "sender.classes_24h")))
    assert "sender.classes_24h" in str(caught.value)
