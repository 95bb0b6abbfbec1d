from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dlp.actions.notify import NoticeError, NoticeRenderer, default_template, policy_template
from dlp.model import Location, UnscannableReason
from dlp.policy import Mode, decide, load_policy, parse_policy

from ..policy.conftest import SAMPLE_POLICY, TODAY, finding, scan

IEP = scan(
    finding("STUDENT_ID", "4455667", location=Location(path=("message", "iep.pdf"), page=2)),
    finding("SPECIAL_EDUCATION", "IEP"),
)


@pytest.fixture(scope="module")
def policy():
    return load_policy(SAMPLE_POLICY)


def test_notice_explains_what_which_clause_and_how(policy) -> None:
    decision = decide(policy, "t@cusd.com", ["a@cusd.com", "parent@gmail.com"], IEP, today=TODAY)
    notice = NoticeRenderer(default_template()).render(decision, policy, "<m1@cusd.com>")
    assert notice is not None
    assert notice.subject == policy.notifications.sender_subject
    body = notice.body
    assert "Your message <m1@cusd.com> was not delivered as sent" in body
    assert "- parent@gmail.com: held for review by the district (quarantined)" in body
    assert "a@cusd.com" not in body  # delivered recipients are not listed
    assert "1 x student ID number, in message / iep.pdf / page 2" in body
    assert "AR7203.E.2: Identifiable staff or student data sent outside" in body
    assert policy.notifications.authorization_help in body
    assert "4455667" not in body and "*****67" not in body  # not even masked previews


def test_no_notice_when_nothing_is_held(policy) -> None:
    decision = decide(policy, "t@cusd.com", ["a@cusd.com"], IEP, today=TODAY)
    assert NoticeRenderer(default_template()).render(decision, policy) is None


def test_audit_mode_notice_says_it_was_delivered(policy) -> None:
    decision = decide(
        replace(policy, mode=Mode.AUDIT), "t@cusd.com", ["p@gmail.com"], IEP, today=TODAY
    )
    notice = NoticeRenderer(default_template()).render(decision, policy)
    assert notice is not None
    assert "is testing a new check" in notice.body and "was\ndelivered" in notice.body


def test_policy_template_is_used_and_sandboxed(tmp_path: Path, policy) -> None:
    (tmp_path / "notice.j2").write_text(
        "{{ district }}: {% for r in recipients %}{{ r.address }}={{ r.intended }}{% endfor %}"
    )
    custom = replace(
        policy,
        source=str(tmp_path / "policy.toml"),
        notifications=replace(policy.notifications, template="notice.j2"),
    )
    decision = decide(custom, "t@cusd.com", ["p@gmail.com"], IEP, today=TODAY)
    notice = NoticeRenderer(policy_template(custom)).render(decision, custom)
    assert notice is not None
    assert notice.body == "Clovis Unified School District: p@gmail.com=quarantine"

    with pytest.raises(NoticeError, match="notice template"):
        NoticeRenderer("{% for %}")
    escape = NoticeRenderer("{{ recipients.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(NoticeError):
        escape.render(decision, custom)
    with pytest.raises(NoticeError, match="cannot read"):
        policy_template(
            replace(custom, notifications=replace(custom.notifications, template="x.j2"))
        )


def test_unscannable_only_notice_does_not_claim_protected_information(policy) -> None:
    locked = scan(unscannable=(UnscannableReason.ENCRYPTED,))
    decision = decide(policy, "t@cusd.com", ["club@gmail.com"], locked, today=TODAY)
    notice = NoticeRenderer(default_template()).render(decision, policy)
    assert notice is not None
    assert notice.subject == policy.notifications.unscannable_subject
    assert "could not be read" in notice.subject and "protected" not in notice.subject
    assert "could not be read" in notice.body

    # Protected data found as well: the ordinary subject.
    both = scan(*IEP.findings, unscannable=(UnscannableReason.ENCRYPTED,))
    decision = decide(policy, "t@cusd.com", ["club@gmail.com"], both, today=TODAY)
    notice = NoticeRenderer(default_template()).render(decision, policy)
    assert notice is not None and notice.subject == policy.notifications.sender_subject


def test_unscannable_subject_is_configurable_with_a_default() -> None:
    text = SAMPLE_POLICY.read_text(encoding="utf-8")
    custom = parse_policy(
        text.replace(
            'unscannable_subject = "Your message was held: part of it could not be read to '
            'check it"',
            'unscannable_subject = "Held: unreadable attachment"',
        ),
        "p.toml",
    )
    assert custom.notifications.unscannable_subject == "Held: unreadable attachment"
    default = parse_policy(text.replace("unscannable_subject =", "# unscannable_subject ="))
    assert "could not be read" in default.notifications.unscannable_subject


def test_notice_says_at_least_when_more_were_found_than_kept(policy) -> None:
    ids = tuple(finding("STUDENT_ID", f"44556{n:02d}", start=n * 10) for n in range(3))
    capped = replace(scan(*ids, finding("SPECIAL_EDUCATION", "IEP")), beyond_cap={"STUDENT_ID": 40})
    decision = decide(policy, "t@cusd.com", ["parent@gmail.com"], capped, today=TODAY)
    notice = NoticeRenderer(default_template()).render(decision, policy, "<m1@cusd.com>")
    assert notice is not None
    assert "- at least 3 x student ID number" in notice.body
    assert "- 1 x special-education term" in notice.body
