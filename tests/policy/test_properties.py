"""Properties of the decision over generated messages and recipient lists."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.actions.notify import NoticeRenderer, default_template
from dlp.audit import AuditLog
from dlp.model import Location, UnscannableReason
from dlp.policy import Mode, decide, load_policy

from .conftest import CATEGORY_OF, SAMPLE_POLICY, TODAY, finding, scan

POLICY = load_policy(SAMPLE_POLICY)
AUDIT_POLICY = replace(POLICY, mode=Mode.AUDIT)
RENDERER = NoticeRenderer(default_template())

INTERNAL = ["counselor@cusd.com", "nurse@hs.cusd.com", "Principal <boss@clovisusd.k12.ca.us>"]
EXTERNAL = [
    "parent@gmail.com",
    "sync@gradebook-vendor.example",
    "sped-records@fcoe.example",
    "hr@cusd.corn",
    "someone@cusd.org",
    "coach@club.example",
]
PLACES = [
    Location(path=("message",), part="body"),
    Location(path=("message",), part="Subject"),
    Location(path=("message", "grades.xlsx"), sheet="Period 3", row=12),
    Location(path=("message", "export.zip", "roster.csv"), row=7),
]
SUBJECTS = ["s-ann", "s-bo", "s-cy", "s-di"]

# A clear value shaped so that it cannot occur by chance in policy text, hashes or addresses.
clear_values = st.from_regex(r"\A[A-Z]{2}[0-9]{3}-[0-9]{4}[a-z]{2}\Z")


@st.composite
def findings(draw: st.DrawFn) -> tuple[list, list[str]]:
    items = []
    values = []
    for index in range(draw(st.integers(0, 14))):
        entity = draw(st.sampled_from(sorted(CATEGORY_OF)))
        value = draw(clear_values)
        roster = entity.startswith("ROSTER_")
        items.append(
            finding(
                entity,
                value,
                score=draw(st.sampled_from([0.3, 0.55, 0.7, 1.0])),
                subject=draw(st.sampled_from(SUBJECTS)) if roster else None,
                # A table without a header row names its columns by its first row's values,
                # and a file name can be the value itself: locations may carry clear values.
                location=draw(
                    st.sampled_from(
                        [
                            *PLACES,
                            Location(path=("message", "list.csv"), row=3, column=value),
                            Location(path=("message", f"{value}.pdf"), page=1),
                        ]
                    )
                ),
                start=index * 40,
            )
        )
        values.append(value)
    return items, values


messages = st.builds(
    lambda found, reasons: (scan(*found[0], unscannable=tuple(reasons)), found[1]),
    findings(),
    st.lists(st.sampled_from(list(UnscannableReason)), max_size=2),
)
options = st.fixed_dictionaries(
    {
        "subject_tag_present": st.booleans(),
        "opted_out": st.frozensets(st.sampled_from(SUBJECTS)),
        "certificates": st.frozensets(st.sampled_from(EXTERNAL)),
    }
)


@settings(max_examples=100, deadline=None)
@given(
    messages,
    st.lists(st.sampled_from(EXTERNAL), min_size=1, max_size=4),
    st.sampled_from(INTERNAL),
    st.integers(0, 4),
    options,
)
def test_adding_an_internal_recipient_never_changes_an_external_verdict(
    message, externals, internal, position, kwargs
) -> None:
    result, _ = message
    alone = decide(POLICY, "t@cusd.com", externals, result, today=TODAY, **kwargs)
    mixed = list(externals)
    mixed.insert(min(position, len(mixed)), internal)
    together = decide(POLICY, "t@cusd.com", mixed, result, today=TODAY, **kwargs)
    for address, verdict in alone.per_recipient.items():
        assert together.per_recipient[address] == verdict


@settings(max_examples=100, deadline=None)
@given(messages, st.lists(st.sampled_from(INTERNAL + EXTERNAL), min_size=1, max_size=5), options)
def test_audit_only_mode_never_blocks(message, recipients, kwargs) -> None:
    result, _ = message
    decision = decide(AUDIT_POLICY, "t@cusd.com", recipients, result, today=TODAY, **kwargs)
    assert not decision.blocked
    enforced = decide(POLICY, "t@cusd.com", recipients, result, today=TODAY, **kwargs)
    for address, verdict in decision.per_recipient.items():
        assert verdict.verdict.value == "deliver" and verdict.encryption is None
        # it decides exactly what enforcement would have decided, and says so
        assert verdict.intended == enforced.per_recipient[address].intended
        assert verdict.rules == enforced.per_recipient[address].rules


@settings(max_examples=100, deadline=None)
@given(messages, st.lists(st.sampled_from(INTERNAL + EXTERNAL), min_size=1, max_size=5), options)
def test_no_clear_value_in_audit_record_or_notice(message, recipients, kwargs) -> None:
    result, values = message
    for policy in (POLICY, AUDIT_POLICY):
        decision = decide(policy, "t@cusd.com", recipients, result, today=TODAY, **kwargs)
        notice = RENDERER.render(decision, policy, "<m@cusd.com>")
        with tempfile.TemporaryDirectory() as folder:
            log = AuditLog(Path(folder) / "audit.jsonl")
            log.append("decision", **decision.audit_fields("<m@cusd.com>"))
            written = log.path.read_text(encoding="utf-8")
        texts = [written, json.dumps(decision.to_dict()), notice.body if notice else ""]
        for value in values:
            for text in texts:
                assert value not in text
