"""One alert: what security staff are told, built from a decision or a condition's counts.

An alert never holds a value: the findings are their labels, counts, masked previews and
masked locations (`dlp.policy.summary.FindingSummary`), the rules with their clauses, the
recipients as counts by kind and their domains, and a link to the held message's page in
`dlp web` (``[web] public_url`` + ``/messages/ID``). The same dictionary is the webhook's JSON
body and the source of the e-mail's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from dlp.policy.config import Verdict
from dlp.policy.decision import Decision, FiredRule


class Severity(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"


class Kind(StrEnum):
    HELD = "message-held"
    REJECTED = "message-rejected"
    NOTICE_QUEUE_AGING = "notice-queue-aging"
    QUARANTINE_SIZE = "quarantine-size"
    AGREEMENT_EXPIRING = "agreement-expiring"
    AUDIT_TAMPERING = "audit-tampering"
    ROSTER_STALE = "roster-stale"
    STUDENTS_24H = "sender-students-24h"
    OVERRIDE = "sender-override"  # a sender released their own held message


@dataclass(frozen=True, slots=True)
class Alert:
    kind: Kind
    summary: str  # one line, no value
    time: float
    severity: Severity = Severity.DIGEST
    rules: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    link: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="seconds"),
            "summary": self.summary,
            "rules": list(self.rules),
            "categories": list(self.categories),
            "link": self.link,
            **dict(self.details),
        }

    def with_severity(self, severity: Severity) -> Alert:
        return Alert(
            self.kind,
            self.summary,
            self.time,
            severity,
            self.rules,
            self.categories,
            self.link,
            self.details,
        )


def message_link(public_url: str | None, held_id: str | None) -> str | None:
    """The held message's page in `dlp web`, when its public address is known."""
    if not public_url or not held_id:
        return None
    return f"{public_url.rstrip('/')}/messages/{held_id}"


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def decision_alert(
    decision: Decision,
    *,
    gateway_id: str,
    message_id: str,
    held: Mapping[str, str],
    refused: Sequence[str],
    public_url: str | None,
    now: float,
) -> Alert | None:
    """The alert for a message some of whose recipients were held (``held``: address ->
    quarantine id) or refused; None when neither. ``message_id`` is the masked Message-ID."""
    if not held and not refused:
        return None
    blocked = [*held, *refused]
    verdicts = [decision.per_recipient[a] for a in blocked if a in decision.per_recipient]
    fired: dict[str, FiredRule] = {}
    for verdict in verdicts:
        for rule in verdict.rules:
            if rule.verdict.rank >= Verdict.QUARANTINE.rank or rule.verdict == verdict.intended:
                fired.setdefault(rule.name, rule)
    entity_types = {s.entity_type for rule in fired.values() for s in rule.findings}
    findings = [s for s in decision.findings if s.entity_type in entity_types] or list(
        decision.findings
    )
    categories = tuple(dict.fromkeys(s.category for s in findings if s.category))
    kinds: dict[str, int] = {}
    for verdict in decision.per_recipient.values():
        kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
    held_ids = sorted(set(held.values()))
    kind = Kind.HELD if held else Kind.REJECTED
    what = "held for review" if held else "refused"
    total = sum(s.count for s in findings)
    summary = (
        f"Message from {decision.sender or '<>'} {what}: "
        f"{', '.join(fired) or 'policy'} ({total} finding{'s' if total != 1 else ''})"
    )
    details: dict[str, object] = {
        "gateway_id": gateway_id,
        "held_id": held_ids[0] if held_ids else None,
        "message_id": message_id,
        "sender": decision.sender,
        "mode": decision.mode.value,
        "recipients": {
            "held": len(held),
            "refused": len(refused),
            "by_kind": kinds,
            "domains": sorted({_domain(a) for a in blocked}),
        },
        "fired": [
            {"rule": rule.name, "verdict": rule.verdict.value, "clauses": list(rule.clauses)}
            for rule in fired.values()
        ],
        "clauses": list(dict.fromkeys(c for rule in fired.values() for c in rule.clauses)),
        "findings": [
            {
                "entity_type": s.entity_type,
                "label": s.label or s.entity_type,
                "category": s.category,
                "count": s.count,
                "people": s.people,
                "lower_bound": s.lower_bound,
                "masked": list(s.masked),
                "locations": list(s.locations),
            }
            for s in findings
        ],
        "unscannable": len(decision.unscannable),
    }
    return Alert(
        kind=kind,
        summary=summary,
        time=now,
        rules=tuple(fired),
        categories=categories,
        link=message_link(public_url, held_ids[0] if held_ids else None),
        details=details,
    )


def entity_types(alert: Alert) -> set[str]:
    found = alert.details.get("findings", [])
    if not isinstance(found, list):
        return set()
    return {str(item.get("entity_type")) for item in found if isinstance(item, dict)}


def render_text(alerts: Sequence[Mapping[str, object]]) -> str:
    """The e-mail body for one alert or a digest of several (their dictionaries)."""
    lines: list[str] = []
    for number, item in enumerate(alerts, start=1):
        if len(alerts) > 1:
            lines.append(f"{number}. [{item.get('severity')}] {item.get('summary')}")
        else:
            lines.append(str(item.get("summary")))
        lines.append(f"   Kind: {item.get('kind')}    Time: {item.get('time')}")
        fired = item.get("fired")
        if isinstance(fired, list):
            for rule in fired:
                if isinstance(rule, dict):
                    clauses = ", ".join(str(c) for c in rule.get("clauses", []))
                    lines.append(
                        f"   Rule: {rule.get('rule')} -> {rule.get('verdict')} ({clauses})"
                    )
        findings = item.get("findings")
        if isinstance(findings, list):
            for found in findings:
                if isinstance(found, dict):
                    count = (
                        f"at least {found['count']}" if found.get("lower_bound") else found["count"]
                    )
                    examples = ", ".join(str(m) for m in found.get("masked", []))
                    lines.append(
                        f"   Found: {count} x {found.get('label')}"
                        + (f" ({found.get('people')} distinct)" if found.get("people") else "")
                        + (f"; e.g. {examples}" if examples else "")
                    )
        recipients = item.get("recipients")
        if isinstance(recipients, dict):
            domains = ", ".join(str(d) for d in recipients.get("domains", []))
            lines.append(
                f"   Recipients: {recipients.get('held', 0)} held, "
                f"{recipients.get('refused', 0)} refused; domains: {domains}"
            )
        facts = item.get("facts")
        if isinstance(facts, dict):
            for key, value in facts.items():
                lines.append(f"   {key}: {value}")
        if item.get("link"):
            lines.append(f"   Review: {item.get('link')}")
        lines.append("")
    return "\n".join(lines)
