"""The disclosure record's table: append, look up by student, purge past its own retention.

Append-only: nothing here updates a row, and the only delete is `purge`, for entries older
than the district's retention of education records (`[quarantine]
disclosure_retention_days`), which is set apart from the quarantine's own retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select

from dlp.actions.disclosures import Basis, DisclosureEntry
from dlp.quarantine import schema
from dlp.quarantine.store import DAY, Tables

DEFAULT_RETENTION_DAYS = 3650
MIN_RETENTION_DAYS = 365
MAX_RETENTION_DAYS = 36500
MAX_DETAIL = 2000


class DisclosureStore(Tables):
    """Opened from the quarantine's URL (`Tables`), closed with its engine."""

    def append(self, entries: Sequence[DisclosureEntry]) -> None:
        """All of ``entries`` in one transaction (committed when this returns)."""
        if not entries:
            return
        rows = [
            {
                "student": entry.student,
                "recipient": entry.recipient[:998],
                "time": entry.time,
                "categories": "," + ",".join(entry.categories) + ",",
                "basis": entry.basis.value,
                "detail": entry.detail[:MAX_DETAIL],
                "message_id": entry.message_id[:998],
                "roster_version": entry.roster_version[:32],
            }
            for entry in entries
        ]
        with self.engine.begin() as connection:
            connection.execute(insert(schema.disclosures), rows)

    def for_students(
        self, students: Iterable[str], since: int | None = None
    ) -> list[DisclosureEntry]:
        """Entries about any of ``students`` (subject digests), oldest first."""
        table = schema.disclosures
        wanted = sorted(set(students))
        if not wanted:
            return []
        query = select(table).where(table.c.student.in_(wanted))
        if since is not None:
            query = query.where(table.c.time >= since)
        query = query.order_by(table.c.time, table.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            DisclosureEntry(
                student=row["student"],
                recipient=row["recipient"],
                time=int(row["time"]),
                categories=tuple(c for c in row["categories"].split(",") if c),
                basis=Basis(row["basis"]),
                detail=row["detail"],
                message_id=row["message_id"],
                roster_version=row["roster_version"],
            )
            for row in rows
        ]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(schema.disclosures)
                ).scalar_one()
            )

    def purge(self, retention_days: int, now: int) -> int:
        """Delete entries older than ``retention_days``; how many went."""
        if retention_days < MIN_RETENTION_DAYS:
            raise ValueError(f"disclosure retention is at least {MIN_RETENTION_DAYS} days")
        table = schema.disclosures
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(table).where(table.c.time < now - retention_days * DAY)
            )
        return int(result.rowcount or 0)
