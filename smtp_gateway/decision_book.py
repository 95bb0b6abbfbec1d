"""Each decided message on the decisions table (`dlp.quarantine.decisions`), and the alert
when a sender's distinct students sent outside over 24 hours reach ``[alerts] students_24h``.

A message put off (4xx) is not recorded: the sender tries again, and that decision is the one
that counts. A database away costs the row, logged, never the reply.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from dlp.alerts.alert import Alert, Kind
from dlp.alerts.dispatch import Alerter
from dlp.siem.event import sender_digest
from smtp_gateway.logs import log_event
from smtp_gateway.observers import Decided

if TYPE_CHECKING:
    from dlp.quarantine.decisions import DecisionBook, DecisionRow

# Rows written in one transaction at most; past MAX_PENDING unwritten, replies wait for them.
BATCH = 500
MAX_PENDING = 5000
# How long the first row of a batch waits for others to join it. A transaction costs the
# gateway about as much CPU as handling a short message; written as soon as the writer was
# free, a batch held one or two rows under load (a commit per message or two). A quarter of
# a second gathers a batch per 0.25 s whatever the rate; a history or a shutdown (`flush`)
# does not wait for it.
LINGER = 0.25


class DecisionRecorder:
    def __init__(
        self,
        book: DecisionBook,
        secret: bytes,
        executor: Executor,
        alerter: Alerter | None = None,
        students_alert: int = 0,
        linger: float = LINGER,
    ) -> None:
        self.book = book
        self.secret = secret
        self.executor = executor
        self.alerter = alerter
        self.students_alert = students_alert
        # Decided messages not yet written: one writer task takes them in batches, one
        # transaction each, after the replies (a row per message, awaited before each reply,
        # was one commit per message on the reply's path).
        self._pending: list[Decided] = []
        self._writer: asyncio.Task[None] | None = None
        self.linger = linger
        self._wake: asyncio.Future[None] | None = None  # ends the writer's wait early
        self._urgent = 0  # flushes waiting: the writer does not linger

    async def history(self, sender: str) -> frozenset[str]:
        """The sender's students sent outside over the last 24 hours (person keys), counting
        every message decided before this one: what waits to be written is written first."""
        await self.flush()
        digest = sender_digest(self.secret, sender)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.book.students_keys, digest)

    async def decided(self, decided: Decided) -> None:
        if not decided.final:
            return
        self._pending.append(decided)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        elif len(self._pending) >= BATCH:
            self._hurry()
        if len(self._pending) >= MAX_PENDING:
            await self.flush()  # the database is behind: slow the replies, keep every row

    async def flush(self) -> None:
        """Until every decided message so far is written (or its batch failed, logged)."""
        self._urgent += 1
        try:
            self._hurry()
            while self._writer is not None and not self._writer.done():
                await asyncio.shield(self._writer)
        finally:
            self._urgent -= 1

    def _hurry(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if len(self._pending) < BATCH and not self._urgent and self.linger > 0:
                self._wake = loop.create_future()
                try:
                    await asyncio.wait((self._wake,), timeout=self.linger)
                finally:
                    self._wake = None
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                await loop.run_in_executor(self.executor, self.record_batch, batch)
            except Exception as error:
                log_event(
                    "decision-record-failed",
                    logging.ERROR,
                    ids=[decided.gateway_id for decided in batch][:10],
                    count=len(batch),
                    error=type(error).__name__,
                )

    def record(self, decided: Decided) -> int:
        """Record one row; the sender's students over 24 hours when any went outside."""
        return self.record_batch([decided])[0]

    def record_batch(self, batch: list[Decided]) -> list[int]:
        """Record the rows in one transaction; for each, the sender's students over 24 hours
        when any went outside (0 otherwise), alerting at ``students_alert``."""
        from dlp.quarantine.decisions import decision_row, students_in

        entries = []
        for decided in batch:
            row = decision_row(
                decided.decision,
                secret=self.secret,
                gateway_id=decided.gateway_id,
                held=decided.held,
                delivered=decided.delivered,
                now=decided.time,
            )
            students = students_in(decided.scan) if decided.scan is not None else frozenset()
            entries.append((row, students))
        self.book.record_many(entries)
        return [
            self._count(decided, row) if students and row.sent_outside else 0
            for decided, (row, students) in zip(batch, entries, strict=True)
        ]

    def _count(self, decided: Decided, row: DecisionRow) -> int:
        count = self.book.students_24h(row.sender_digest, decided.time)
        if self.alerter is not None and self.students_alert and count >= self.students_alert:
            sender = decided.decision.sender
            alert = Alert(
                Kind.STUDENTS_24H,
                f"{sender} sent {count} different students' data outside the district in 24 hours",
                decided.time,
                details={
                    "sender": sender,
                    "facts": {"students_24h": count, "limit": self.students_alert},
                },
            )
            raised = self.alerter.condition(f"students-24h:{row.sender_digest}", alert)
            if raised is not None:
                self.alerter.first_attempts(raised)
        return count
