"""What the dashboard shows, read from the quarantine's database: the decisions table
(`dlp.quarantine.decisions`), the held messages and the "not sensitive" marks. Metadata only.

Days are UTC days (``time // 86400``), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from dlp.quarantine import schema

DAY = 86_400
OUTCOMES = ("held", "released", "rejected", "encrypted")
# The decisions' strictest verdict each outcome counts ("released" comes from the quarantine).
_VERDICT_OUTCOME = {"quarantine": "held", "reject": "rejected", "encrypt": "encrypted"}


def _split(value: str) -> list[str]:
    return [item for item in value.split(",") if item]


@dataclass(frozen=True, slots=True)
class Filter:
    """Restrict the decisions counted to those with this category, rule and/or clause."""

    category: str = ""
    rule: str = ""
    clause: str = ""

    def matches(self, categories: str, rules: str, clauses: str) -> bool:
        return (
            (not self.category or f",{self.category}," in categories)
            and (not self.rule or f",{self.rule}," in rules)
            and (not self.clause or f",{self.clause}," in clauses)
        )


@dataclass(slots=True)
class Stats:
    days: list[int]  # day numbers (epoch // 86400), oldest first
    series: dict[str, list[int]]  # outcome -> count per day
    by_category: Counter[tuple[str, str]] = field(default_factory=Counter)  # (name, outcome)
    by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_clause: Counter[tuple[str, str]] = field(default_factory=Counter)
    top_senders: list[tuple[str, int]] = field(default_factory=list)  # sender digest, blocked
    top_domains: list[tuple[str, int]] = field(default_factory=list)  # outside domain, messages
    decisions: int = 0
    held_now: int = 0
    held_bytes: int = 0
    oldest_held: float | None = None
    false_positives: list[tuple[str, int]] = field(default_factory=list)  # rule, marks

    def names(self, counter: Counter[tuple[str, str]]) -> list[tuple[str, dict[str, int]]]:
        """Each name with its counts by outcome, the most frequent first."""
        table: dict[str, dict[str, int]] = {}
        for (name, outcome), count in counter.items():
            table.setdefault(name, dict.fromkeys(OUTCOMES, 0))[outcome] += count
        return sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def read_stats(
    engine: Engine,
    days: int = 14,
    where: Filter = Filter(),
    now: float | None = None,
    top: int = 10,
) -> Stats:
    now = time.time() if now is None else now
    today = int(now) // DAY
    first = today - days + 1
    day_list = list(range(first, today + 1))
    stats = Stats(day_list, {outcome: [0] * days for outcome in OUTCOMES})
    decisions, messages = schema.decisions, schema.messages
    senders: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                decisions.c.time,
                decisions.c.verdict,
                decisions.c.categories,
                decisions.c.rules,
                decisions.c.clauses,
                decisions.c.sender_digest,
                decisions.c.recipient_domains,
            ).where(decisions.c.time >= first * DAY)
        ).all()
        released = connection.execute(
            select(
                messages.c.status_time, messages.c.categories, messages.c.rules, messages.c.decision
            ).where(messages.c.status == "released", messages.c.status_time >= first * DAY)
        ).all()
        count, size, oldest = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(messages.c.size), 0),
                func.min(messages.c.received),
            ).where(messages.c.status == "held")
        ).one()
        marks = (
            connection.execute(
                select(messages.c.rules).select_from(
                    schema.false_positives.join(
                        messages, schema.false_positives.c.held_id == messages.c.id
                    )
                )
            )
            .scalars()
            .all()
        )
    for row in rows:
        if not where.matches(row.categories, row.rules, row.clauses):
            continue
        stats.decisions += 1
        outcome = _VERDICT_OUTCOME.get(row.verdict)
        if row.recipient_domains:
            for domain in _split(row.recipient_domains):
                domains[domain] += 1
        if outcome is None:
            continue
        stats.series[outcome][int(row.time) // DAY - first] += 1
        if outcome in ("held", "rejected"):
            senders[row.sender_digest] += 1
        _count(stats, outcome, row.categories, row.rules, row.clauses)
    for item in released:
        clauses = _clauses_of(item.decision)
        if not where.matches(item.categories, item.rules, clauses):
            continue
        stats.series["released"][int(item.status_time) // DAY - first] += 1
        _count(stats, "released", item.categories, item.rules, clauses)
    stats.top_senders = senders.most_common(top)
    stats.top_domains = domains.most_common(top)
    stats.held_now, stats.held_bytes = int(count), int(size)
    stats.oldest_held = None if oldest is None else float(oldest)
    by_rule: Counter[str] = Counter()
    for rules in marks:
        for rule in _split(rules):
            by_rule[rule] += 1
    stats.false_positives = by_rule.most_common(top)
    return stats


def _count(stats: Stats, outcome: str, categories: str, rules: str, clauses: str) -> None:
    for name in _split(categories):
        stats.by_category[(name, outcome)] += 1
    for name in _split(rules):
        stats.by_rule[(name, outcome)] += 1
    for name in _split(clauses):
        stats.by_clause[(name, outcome)] += 1


def _clauses_of(decision_json: str) -> str:
    """The clauses of a held message's stored decision, as ",A,B,"."""
    try:
        decision = json.loads(decision_json)
    except ValueError:
        return ""
    found = {
        clause
        for recipient in decision.get("recipients", [])
        for clause in recipient.get("clauses", [])
    }
    return "," + ",".join(sorted(found)) + "," if found else ""
