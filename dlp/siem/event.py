"""One decision as an event: what a SIEM correlates on, and nothing it should not hold.

The sender is a keyed digest (the same key as every digest here, so a SIEM can count a
sender's messages without the address), recipients are counts by kind and verdict and their
domains; findings are counts by entity type and category, never previews.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from dlp.policy.config import Verdict
from dlp.policy.decision import Decision


def sender_digest(secret: bytes, sender: str) -> str:
    """A keyed digest of the sender's address (lower-cased): the same sender, the same digest."""
    return hmac.new(secret, b"sender:" + sender.lower().encode(), hashlib.sha256).hexdigest()[:32]


def _strictest(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: verdict.rank) if verdicts else Verdict.DELIVER


def decision_event(
    decision: Decision,
    *,
    secret: bytes,
    gateway_id: str,
    message_id: str,
    reply: str,
    policy_version: str,
    held: Mapping[str, str],
    now: float,
) -> dict[str, object]:
    """The event for one decision (``message_id`` already masked)."""
    per_kind: dict[str, dict[str, int]] = {}
    verdicts = []
    domains: dict[str, None] = {}
    for verdict in decision.per_recipient.values():
        counts = per_kind.setdefault(verdict.kind, {})
        counts[verdict.verdict.value] = counts.get(verdict.verdict.value, 0) + 1
        verdicts.append(verdict.verdict)
        if verdict.kind != "internal":
            domains.setdefault(verdict.address.rpartition("@")[2].lower())
    rules = dict.fromkeys(r.name for v in decision.per_recipient.values() for r in v.rules)
    clauses = dict.fromkeys(c for v in decision.per_recipient.values() for c in v.clauses)
    intended = _strictest([v.intended for v in decision.per_recipient.values()])
    return {
        "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "event": "dlp-decision",
        "gateway_id": gateway_id,
        "message_id": message_id,
        "sender_digest": sender_digest(secret, decision.sender),
        "sender_domain": decision.sender.rpartition("@")[2].lower(),
        "mode": decision.mode.value,
        "verdict": _strictest(verdicts).value,
        "intended": intended.value,
        "verdicts": per_kind,
        "recipients": len(decision.per_recipient),
        "external_domains": list(domains),
        "rules": list(rules),
        "clauses": list(clauses),
        "categories": sorted({s.category for s in decision.findings if s.category}),
        "findings": {s.entity_type: s.count for s in decision.findings},
        "people": max((s.people for s in decision.findings), default=0),
        "unscannable": len(decision.unscannable),
        "score": round(decision.score, 3),
        "held_ids": sorted(set(held.values())),
        "reply": reply[:3],
        "policy_version": policy_version,
    }
