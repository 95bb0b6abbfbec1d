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
    from dlp.quarantine.decisions import DecisionBook


class DecisionRecorder:
    def __init__(
        self,
        book: DecisionBook,
        secret: bytes,
        executor: Executor,
        alerter: Alerter | None = None,
        students_alert: int = 0,
    ) -> None:
        self.book = book
        self.secret = secret
        self.executor = executor
        self.alerter = alerter
        self.students_alert = students_alert

    def history(self, sender: str) -> frozenset[str]:
        """The sender's students sent outside over the last 24 hours (person keys)."""
        return self.book.students_keys(sender_digest(self.secret, sender))

    async def decided(self, decided: Decided) -> None:
        if not decided.final:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, self.record, decided)
        except Exception as error:
            log_event(
                "decision-record-failed",
                logging.ERROR,
                id=decided.gateway_id,
                error=type(error).__name__,
            )

    def record(self, decided: Decided) -> int:
        """Record the row; the sender's students over 24 hours when any went outside."""
        from dlp.quarantine.decisions import decision_row, students_in

        row = decision_row(
            decided.decision,
            secret=self.secret,
            gateway_id=decided.gateway_id,
            held=decided.held,
            delivered=decided.delivered,
            now=decided.time,
        )
        students = students_in(decided.scan) if decided.scan is not None else frozenset()
        self.book.record(row, students)
        if not (students and row.sent_outside):
            return 0
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
