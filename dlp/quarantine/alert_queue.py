"""The alert queue (`dlp.alerts.dispatch.AlertStore`) in the quarantine's database.

Like the notice queue (`dlp.quarantine.outbox`): whole seconds, a due time rounded up, and
taking an entry is one conditional UPDATE (its ``due`` still the one read), so that of several
gateways sharing the database exactly one gets it.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dlp.alerts.dispatch import QueuedAlert
from dlp.quarantine import schema
from dlp.quarantine.store import Tables

_QUEUE = schema.alert_queue
_STATE = schema.alert_state


class AlertQueueStore(Tables):
    """Opened from the quarantine's URL (`Tables`), closed with its engine."""

    def put(self, channel: str, target: str, body: str, now: float, due: float) -> str:
        entry_id = secrets.token_hex(8)
        with self.engine.begin() as connection:
            connection.execute(
                insert(_QUEUE).values(
                    id=entry_id,
                    channel=channel,
                    target=target[:998],
                    created=int(now),
                    due=math.ceil(due),
                    attempts=0,
                    last_error="",
                    body=body,
                )
            )
        return entry_id

    def claim_due(self, now: float, owned_until: float, limit: int) -> list[QueuedAlert]:
        query = select(_QUEUE).where(_QUEUE.c.due <= int(now)).order_by(_QUEUE.c.due).limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        claimed: list[QueuedAlert] = []
        for row in rows:
            with self.engine.begin() as connection:
                taken = connection.execute(
                    update(_QUEUE)
                    .where(_QUEUE.c.id == row.id, _QUEUE.c.due == row.due)
                    .values(due=math.ceil(owned_until))
                ).rowcount
            if taken == 1:
                claimed.append(
                    QueuedAlert(
                        row.id, row.channel, row.target, row.body, float(row.created), row.attempts
                    )
                )
        return claimed

    def done(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self.engine.begin() as connection:
            connection.execute(delete(_QUEUE).where(_QUEUE.c.id.in_(list(ids))))

    def retry(self, entry_id: str, attempts: int, next_try: float, error: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_QUEUE)
                .where(_QUEUE.c.id == entry_id)
                .values(attempts=attempts, due=math.ceil(next_try), last_error=error[:500])
            )

    def depth(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_QUEUE.c.channel, func.count()).group_by(_QUEUE.c.channel)
            ).all()
        return {str(channel): int(count) for channel, count in rows}

    def claim_condition(self, key: str, now: float, repeat: float) -> bool:
        with self.engine.connect() as connection:
            last = connection.execute(select(_STATE.c.last).where(_STATE.c.key == key)).scalar()
        if last is None:
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(_STATE).values(key=key[:255], last=int(now)))
            except IntegrityError:
                return False  # another gateway told of it just now
            return True
        if last + repeat > now:
            return False
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(_STATE)
                .where(_STATE.c.key == key, _STATE.c.last == last)
                .values(last=int(now))
            ).rowcount
        return bool(taken == 1)

    def forget_condition(self, key: str) -> None:
        """The condition is over: the next time it holds is told at once."""
        with self.engine.begin() as connection:
            connection.execute(delete(_STATE).where(_STATE.c.key == key))


def held_size(engine: Engine) -> tuple[int, int]:
    """Messages waiting for review in the quarantine, and their bytes."""
    messages = schema.messages
    with engine.connect() as connection:
        count, size = connection.execute(
            select(func.count(), func.coalesce(func.sum(messages.c.size), 0)).where(
                messages.c.status == "held"
            )
        ).one()
    return int(count), int(size)


def held_oldest(engine: Engine) -> float | None:
    """When the oldest message waiting for review was held (None: none waits)."""
    messages = schema.messages
    with engine.connect() as connection:
        oldest = connection.execute(
            select(func.min(messages.c.received)).where(messages.c.status == "held")
        ).scalar()
    return None if oldest is None else float(oldest)
