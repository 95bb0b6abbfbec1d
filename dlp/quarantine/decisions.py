"""The decisions table and the sender's students over a day, in the quarantine's database.

Until now the database knew only held messages; the dashboard needs every decision. A row
holds metadata only: when, the strictest verdict per recipient kind, rules, categories,
clauses, a keyed digest of the sender, the outside recipients' domains. Rows older than
``decision_retention_days`` are purged (`DecisionBook.purge`), apart from the held messages'
own retention.

`sender.students_24h`: one teacher mailing forty messages about forty students is the same
leak as one message with forty. For each message a sender had delivered or encrypted to an
outside recipient, the students in it (their roster subject, else the keyed digest of the ID)
are kept a day (`dlp_sender_students`); the count is the distinct students over the last 24
hours. Several gateways sharing the database share the count.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, select

from dlp.model import ScanResult
from dlp.policy.config import Verdict
from dlp.policy.decision import Decision
from dlp.policy.facts import STUDENT_ENTITIES, person_keys
from dlp.quarantine import schema
from dlp.quarantine.store import Tables
from dlp.siem.event import sender_digest

DAY = 86_400
KINDS = ("internal", "authorized", "external")


def _joined(values: Iterable[str]) -> str:
    items = sorted({value for value in values if value})
    return "," + ",".join(items) + "," if items else ""


def students_in(scan: ScanResult) -> frozenset[str]:
    """The students a message names: "s:SUBJECT" or "v:DIGEST" (never a value)."""
    findings = [f for f in scan.findings if f.entity_type in STUDENT_ENTITIES]
    # A roster subject found at the same place as an ID is the same student.
    keys = person_keys([f for f in scan.findings if f.subject or f.entity_type in STUDENT_ENTITIES])
    return frozenset(keys[f] for f in findings)


@dataclass(frozen=True, slots=True)
class DecisionRow:
    time: float
    gateway_id: str
    sender_digest: str
    verdicts: Mapping[str, str]  # kind -> strictest verdict
    rules: tuple[str, ...]
    categories: tuple[str, ...]
    clauses: tuple[str, ...]
    domains: tuple[str, ...]
    held_id: str
    findings: int

    @property
    def verdict(self) -> str:
        ranked = [Verdict(value) for value in self.verdicts.values()]
        return max(ranked, key=lambda v: v.rank).value if ranked else Verdict.DELIVER.value

    @property
    def sent_outside(self) -> bool:
        """Delivered or encrypted to a recipient outside the district."""
        allowed = (Verdict.DELIVER.value, Verdict.ENCRYPT.value)
        return any(self.verdicts.get(kind) in allowed for kind in ("authorized", "external"))


def decision_row(
    decision: Decision,
    *,
    secret: bytes,
    gateway_id: str,
    held: Mapping[str, str],
    delivered: Sequence[str],
    now: float,
) -> DecisionRow:
    """The row for one decision; a recipient's verdict is what happened to its copy (audit
    mode delivers), and "outside" needs the copy to have been accepted (``delivered``)."""
    verdicts: dict[str, str] = {}
    outside: set[str] = set()
    for address, verdict in decision.per_recipient.items():
        value = verdict.verdict
        if value in (Verdict.DELIVER, Verdict.ENCRYPT) and address not in delivered:
            if address in held:
                value = Verdict.QUARANTINE  # its encryption failed, or TLS was refused
            else:
                continue  # refused by the next hop, or put off: not sent
        current = verdicts.get(verdict.kind)
        if current is None or value.rank > Verdict(current).rank:
            verdicts[verdict.kind] = value.value
        if verdict.kind != "internal":
            outside.add(address.rpartition("@")[2].lower())
    rules = [r.name for v in decision.per_recipient.values() for r in v.rules]
    clauses = [c for v in decision.per_recipient.values() for c in v.clauses]
    return DecisionRow(
        time=now,
        gateway_id=gateway_id,
        sender_digest=sender_digest(secret, decision.sender),
        verdicts=verdicts,
        rules=tuple(dict.fromkeys(rules)),
        categories=tuple(sorted({s.category for s in decision.findings if s.category})),
        clauses=tuple(dict.fromkeys(clauses)),
        domains=tuple(sorted(outside)),
        held_id=sorted(set(held.values()))[0] if held else "",
        findings=sum(s.count for s in decision.findings),
    )


class DecisionBook(Tables):
    """Opened from the quarantine's URL (`Tables`), closed with its engine."""

    def record(self, row: DecisionRow, students: frozenset[str] = frozenset()) -> None:
        """The row, and (when the message went outside) its students, in one transaction."""
        self.record_many([(row, students)])

    def record_many(self, entries: Sequence[tuple[DecisionRow, frozenset[str]]]) -> None:
        """Rows and (for messages that went outside) their students, in one transaction."""
        if not entries:
            return
        # One statement each, executed for many parameter sets: compiling an INSERT per row
        # cost the gateway more CPU than scanning a short message.
        students = [
            {"sender_digest": row.sender_digest, "student": key[:130], "time": int(row.time)}
            for row, keys in entries
            if keys and row.sent_outside
            for key in sorted(keys)
        ]
        with self.engine.begin() as connection:
            connection.execute(insert(schema.decisions), [_values(row) for row, _ in entries])
            if students:
                connection.execute(insert(schema.sender_students), students)

    def students_24h(
        self, digest: str, now: float | None = None, current: frozenset[str] = frozenset()
    ) -> int:
        """Distinct students in this sender's messages sent outside over the last 24 hours,
        with ``current`` (a message being decided) counted in."""
        return len(self.students_keys(digest, now) | current)

    def students_keys(self, digest: str, now: float | None = None) -> frozenset[str]:
        """The students themselves (person keys) behind `students_24h`."""
        now = time.time() if now is None else now
        table = schema.sender_students
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.student)
                .where(and_(table.c.sender_digest == digest, table.c.time > int(now) - DAY))
                .distinct()
            ).scalars()
            return frozenset(rows)

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(schema.decisions)).scalar_one()
            )

    def purge(self, now: float, retention_days: int) -> tuple[int, int]:
        """Decisions past their retention, and student counts past their day: how many."""
        with self.engine.begin() as connection:
            old = connection.execute(
                delete(schema.decisions).where(
                    schema.decisions.c.time < int(now) - retention_days * DAY
                )
            ).rowcount
            students = connection.execute(
                delete(schema.sender_students).where(
                    schema.sender_students.c.time <= int(now) - DAY
                )
            ).rowcount
        return int(old or 0), int(students or 0)


def _values(row: DecisionRow) -> dict[str, object]:
    return {
        "time": int(row.time),
        "gateway_id": row.gateway_id[:32],
        "sender_digest": row.sender_digest,
        "verdict": row.verdict,
        **{f"verdict_{kind}": row.verdicts.get(kind, "") for kind in KINDS},
        "rules": _joined(row.rules),
        "categories": _joined(row.categories),
        "clauses": _joined(row.clauses),
        "recipient_domains": _joined(row.domains),
        "held_id": row.held_id,
        "findings": row.findings,
    }
