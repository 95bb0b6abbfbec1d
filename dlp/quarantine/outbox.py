"""The outbound queue's entries in the quarantine's database (`dlp.actions.outbox.OutboxStore`).

One table, ``quarantine_outbox``, on SQLite or PostgreSQL like the rest of the quarantine.
Times are whole seconds, as in every quarantine table: a due time is rounded up, so an entry
is never tried before its time. Taking an entry is one conditional UPDATE (its ``next_try``
still the one read), so of several gateways sharing the database exactly one gets it.
"""

from __future__ import annotations

import math
import secrets

from sqlalchemy import delete, func, insert, select, update

from dlp.actions.mail import NoticeMail
from dlp.actions.outbox import QueuedMail
from dlp.quarantine import schema
from dlp.quarantine.store import Tables

_TABLE = schema.outbox


def _seconds(moment: float) -> int:
    return math.ceil(moment)


class OutboxStore(Tables):
    def put(self, mail: NoticeMail, now: float, owned_until: float) -> QueuedMail:
        entry_id = secrets.token_hex(8)
        with self.engine.begin() as connection:
            connection.execute(
                insert(_TABLE).values(
                    id=entry_id,
                    created=int(now),
                    next_try=_seconds(owned_until),
                    attempts=0,
                    recipient=mail.to[:998],
                    kind=mail.kind[:32],
                    about=mail.about[:998],
                    last_error="",
                    data=mail.data,
                )
            )
        return QueuedMail(entry_id, mail, float(int(now)), 0)

    def claim_due(self, now: float, owned_until: float, limit: int) -> list[QueuedMail]:
        query = (
            select(_TABLE)
            .where(_TABLE.c.next_try <= int(now))
            .order_by(_TABLE.c.next_try)
            .limit(limit)
        )
        claimed: list[QueuedMail] = []
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        for row in rows:
            with self.engine.begin() as connection:
                taken = connection.execute(
                    update(_TABLE)
                    .where(_TABLE.c.id == row.id, _TABLE.c.next_try == row.next_try)
                    .values(next_try=_seconds(owned_until))
                ).rowcount
            if taken == 1:
                mail = NoticeMail(row.recipient, bytes(row.data), row.kind, row.about)
                claimed.append(QueuedMail(row.id, mail, float(row.created), row.attempts))
        return claimed

    def done(self, entry_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.id == entry_id))

    def retry(self, entry_id: str, attempts: int, next_try: float, error: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id == entry_id)
                .values(attempts=attempts, next_try=_seconds(next_try), last_error=error)
            )

    def depth(self) -> tuple[int, float | None]:
        with self.engine.connect() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(_TABLE.c.created)).select_from(_TABLE)
            ).one()
        return int(count), None if oldest is None else float(oldest)
