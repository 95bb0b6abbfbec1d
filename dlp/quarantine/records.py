"""What the quarantine hands out: held messages and their findings, without message content."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    HELD = "held"
    RELEASING = "releasing"  # claimed by one reviewer; delivery under way
    RELEASED = "released"
    REJECTED = "rejected"
    DELETED = "deleted"  # message bytes destroyed on request
    EXPIRED = "expired"  # message bytes destroyed by retention
    PICKUP = "pickup"  # encrypted delivery: awaiting pickup on the portal (dlp.portal)

    @property
    def has_content(self) -> bool:
        return self not in (Status.DELETED, Status.EXPIRED)


@dataclass(frozen=True, slots=True)
class FiredBy:
    rule: str
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredFinding:
    position: int
    entity_type: str
    category: str
    location: str  # masked as safe_location
    start: int
    end: int
    score: float
    recognizer: str
    pattern: str
    masked: str
    digest: str
    context_words: tuple[str, ...]
    rules: tuple[FiredBy, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "entity_type": self.entity_type,
            "category": self.category,
            "location": self.location,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "recognizer": self.recognizer,
            "pattern": self.pattern,
            "masked": self.masked,
            "digest": self.digest,
            "context_words": list(self.context_words),
            "rules": [{"rule": item.rule, "clauses": list(item.clauses)} for item in self.rules],
        }


@dataclass(frozen=True, slots=True)
class HeldMessage:
    id: str
    received: int
    expires: int
    sender: str
    recipients: tuple[str, ...]
    message_id: str
    size: int
    sha256: str
    score: float
    categories: tuple[str, ...]
    rules: tuple[str, ...]
    decision: dict[str, object]
    status: Status
    status_time: int
    status_by: str
    note: str
    legal_hold: bool
    delivery: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "received": self.received,
            "expires": self.expires,
            "sender": self.sender,
            "recipients": list(self.recipients),
            "message_id": self.message_id,
            "size": self.size,
            "sha256": self.sha256,
            "score": round(self.score, 3),
            "categories": list(self.categories),
            "rules": list(self.rules),
            "status": self.status.value,
            "status_time": self.status_time,
            "status_by": self.status_by,
            "note": self.note,
            "legal_hold": self.legal_hold,
            "decision": self.decision,
            "delivery": self.delivery,
        }


SORT_KEYS = ("received", "sender", "score", "status", "size", "expires")


@dataclass(frozen=True, slots=True)
class Filters:
    """Which held messages a listing or a bulk action covers; empty means all."""

    since: int | None = None  # epoch seconds
    until: int | None = None
    sender: str | None = None  # substring, case-insensitive
    recipient: str | None = None  # substring, case-insensitive
    category: str | None = None
    rule: str | None = None
    status: Status | None = None
    message_id_digest: str | None = None  # the keyed digest of a whole Message-ID
    sort: str = "received"
    descending: bool = True
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            raise ValueError(f"sort by one of {', '.join(SORT_KEYS)}, not {self.sort!r}")


def members(value: str) -> tuple[str, ...]:
    """The items of a ",A,B," column (categories, rules)."""
    return tuple(item for item in value.split(",") if item)


def held_message(row: Mapping[Any, Any], recipients: Sequence[str]) -> HeldMessage:
    """A ``quarantine_messages`` row, by column name, as handed out: one reading for the
    store (SQLAlchemy) and the terminal's listing (`dlp.quarantine.sqlite_listing`)."""
    return HeldMessage(
        id=row["id"],
        received=int(row["received"]),
        expires=int(row["expires"]),
        sender=row["sender"],
        recipients=tuple(recipients),
        message_id=row["message_id"],
        size=int(row["size"]),
        sha256=row["sha256"],
        score=float(row["score"]),
        categories=members(row["categories"]),
        rules=members(row["rules"]),
        decision=json.loads(row["decision"]),
        status=Status(row["status"]),
        status_time=int(row["status_time"]),
        status_by=row["status_by"],
        note=row["note"] or "",
        legal_hold=bool(row["legal_hold"]),
        delivery=json.loads(row["delivery"]) if row["delivery"] else {},
    )
