"""The outbound queue for mail the district's systems write themselves (`dlp.actions.mail`):
sender notices, failure reports, a reviewer's reject notices.

Such mail used to be tried once and dropped: with the next hop down, every notice of that
time was lost. Now a notice is first stored durably (`OutboxStore`, the quarantine's
database), then tried at once; what the next hop puts off is tried again after 1, 2, 4, ...
times ``Backoff.first``, up to ``Backoff.maximum`` apart, by whichever process drains the
queue (the gateway's `smtp_gateway.outbox` worker), until the sender's server takes it or
refuses it for good. Every entry carries a lease: the process that put or claimed it owns it
until then, so that two gateways sharing one PostgreSQL quarantine never both send it, and
an entry whose owner died is taken up again once the lease runs out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dlp.actions.mail import NoticeMail
from dlp.delivery import DeliveryResult, Outcome

log = logging.getLogger("dlp.actions.outbox")


class Deliver(Protocol):
    """``deliver(raw, envelope sender, recipients, require_tls[, xforward])``, bound to a
    delivery target; ``xforward``: the original client's attributes, passed on to the next hop
    (the gateway's copies only)."""

    def __call__(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        require_tls: bool,
        xforward: Mapping[str, str] | None = None,
        /,
    ) -> DeliveryResult: ...


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: str
    mail: NoticeMail
    created: float
    attempts: int  # attempts made before this one


class OutboxStore(Protocol):
    """Where the queue lives; every method commits before it returns."""

    def put(self, mail: NoticeMail, now: float, owned_until: float) -> QueuedMail: ...

    def claim_due(self, now: float, owned_until: float, limit: int) -> list[QueuedMail]:
        """Entries due by ``now``, each taken (leased until ``owned_until``) by this caller."""
        ...

    def done(self, entry_id: str) -> None: ...

    def retry(self, entry_id: str, attempts: int, next_try: float, error: str) -> None: ...

    def depth(self) -> tuple[int, float | None]:
        """How many entries wait, and when the oldest of them was put (None: none wait)."""
        ...

    def close(self) -> None: ...


class Attempt(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # put off: kept for a later attempt
    REFUSED = "refused"  # refused for good by the receiving side: dropped, logged


@dataclass(frozen=True, slots=True)
class Tried:
    attempt: Attempt
    result: DeliveryResult  # what the next hop said


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float = 60.0
    maximum: float = 3600.0

    def delay(self, attempts: int) -> float:
        """The wait after the ``attempts``-th failed attempt (1, 2, ...)."""
        return min(self.maximum, self.first * 2 ** max(0, attempts - 1))


def event(name: str, level: int, **fields: object) -> None:
    """A log line in the shape `smtp_gateway.logs.JsonFormatter` writes as one JSON object."""
    log.log(level, name, extra={"fields": {"event": name, **fields}})


@dataclass(eq=False)
class Outbox:
    """The queue's rules over an `OutboxStore`; safe to share between threads."""

    store: OutboxStore
    deliver: Deliver
    backoff: Backoff = Backoff()
    lease: float = 600.0  # longer than any one delivery attempt takes
    clock: Callable[[], float] = time.time

    def put(self, mails: Sequence[NoticeMail]) -> list[QueuedMail]:
        """Store ``mails`` durably, owned by the caller for their first attempt."""
        now = self.clock()
        return [self.store.put(mail, now, now + self.lease) for mail in mails]

    def attempt(self, queued: QueuedMail) -> Tried:
        """One delivery attempt of an entry this caller owns; never raises for the network."""
        mail = queued.mail
        # The null envelope sender, as for any bounce: a notice never loops.
        result = self.deliver(mail.data, "", [mail.to], False)
        item = result.result_for(mail.to)
        if item is not None and item.outcome is Outcome.ACCEPTED:
            self.store.done(queued.id)
            return Tried(Attempt.SENT, result)
        fields = {"id": queued.id, "kind": mail.kind, "about": mail.about}
        detail = item.to_dict() if item is not None else {"detail": "no result"}
        if item is not None and item.outcome is Outcome.PERMANENT:
            self.store.done(queued.id)
            event("notice-refused", logging.WARNING, **fields, result=detail)
            return Tried(Attempt.REFUSED, result)
        attempts = queued.attempts + 1
        delay = self.backoff.delay(attempts)
        error = f"{item.code} {item.detail}".strip() if item is not None else "no result"
        self.store.retry(queued.id, attempts, self.clock() + delay, error[:500])
        event(
            "notice-deferred",
            logging.INFO,
            **fields,
            attempts=attempts,
            retry_in=delay,
            result=detail,
        )
        return Tried(Attempt.RETRY, result)

    def drain(self, limit: int = 100) -> dict[Attempt, int]:
        """Attempt every entry due now (up to ``limit``); how many ended which way."""
        now = self.clock()
        counts = dict.fromkeys(Attempt, 0)
        for queued in self.store.claim_due(now, now + self.lease, limit):
            counts[self.attempt(queued).attempt] += 1
        return counts

    def close(self) -> None:
        self.store.close()

    def depth(self) -> tuple[int, float]:
        """Entries waiting, and the oldest one's age in seconds (0 when none waits)."""
        count, oldest = self.store.depth()
        return count, 0.0 if oldest is None else max(0.0, self.clock() - oldest)
