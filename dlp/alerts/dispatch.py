"""Raising alerts and getting them out, durably.

`Alerter.raise_alert` routes an alert (`routing.route`) and stores it before it returns:

- at once: an e-mail per address into the notice queue (`dlp.actions.outbox`, the same
  retries as every notice) and a webhook entry into the alert queue;
- for the digest: one entry per address (and one for the webhook) in the alert queue, due
  at the end of the current digest period (periods are aligned on the clock, so every gateway
  sharing the database agrees on them).

`Alerter.drain`, run every few seconds by whichever process does upkeep (the gateway's alert
worker), claims what is due (a lease, as the notice queue does, so two gateways never both
send one): digest entries become one digest mail per address and one webhook post; webhook
entries are posted, and one that fails (an error status, a refused connection, a timeout) is
tried again after ``retry_seconds``, doubling up to ``retry_max_seconds``, and never dropped.
Nothing here ever raises into the mail path: the relay calls `raise_alert` after the reply is
decided, and a failure is logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dlp.actions.mail import NoticeMail, compose
from dlp.actions.outbox import Backoff, QueuedMail, Tried, event
from dlp.alerts.alert import Alert, Severity, render_text
from dlp.alerts.routing import route
from dlp.alerts.settings import AlertSettings
from dlp.alerts.webhook import Posted, post

log = logging.getLogger("dlp.alerts")

WEBHOOK = "webhook"  # an entry to post now
DIGEST = "digest"  # an entry waiting for its digest; target "email:ADDRESS" or "webhook"


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    id: str
    channel: str
    target: str
    body: str  # JSON
    created: float
    attempts: int


class AlertStore(Protocol):
    """Where alerts wait (`dlp.quarantine.alert_queue`); every method commits."""

    def put(self, channel: str, target: str, body: str, now: float, due: float) -> str: ...

    def claim_due(self, now: float, owned_until: float, limit: int) -> list[QueuedAlert]: ...

    def done(self, ids: Sequence[str]) -> None: ...

    def retry(self, entry_id: str, attempts: int, next_try: float, error: str) -> None: ...

    def depth(self) -> dict[str, int]: ...

    def claim_condition(self, key: str, now: float, repeat: float) -> bool:
        """True for the one caller that may tell of condition ``key`` now: it was not told
        of in the last ``repeat`` seconds (by anyone sharing the database)."""
        ...

    def forget_condition(self, key: str) -> None: ...

    def close(self) -> None: ...


class MailQueue(Protocol):
    """The notice queue's face the alerts need (`dlp.actions.step.ActionStep`)."""

    def queue(self, mails: Sequence[NoticeMail]) -> list[QueuedMail]: ...

    def attempt(self, queued: QueuedMail) -> Tried: ...


@dataclass(slots=True)
class Raised:
    """What one alert became; the mails' first attempts are the caller's to make."""

    severity: Severity
    mails: list[QueuedMail] = field(default_factory=list)
    webhook_ids: list[str] = field(default_factory=list)
    digest_entries: int = 0


def load_secret(path: Path | None) -> bytes:
    if path is None:
        return b""
    return path.read_bytes().strip()


class Alerter:
    def __init__(
        self,
        settings: AlertSettings,
        store: AlertStore,
        mail: MailQueue,
        sender: str,
        webhook_secret: bytes = b"",
        clock: Callable[[], float] = time.time,
        lease: float = 600.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.mail = mail
        self.sender = sender  # the From of alert mail (the notice sender)
        self.webhook_secret = webhook_secret
        self.clock = clock
        self.lease = lease
        self.backoff = Backoff(settings.retry_seconds, settings.retry_max_seconds)

    def digest_due(self, now: float) -> float:
        period = self.settings.digest_minutes * 60
        return (int(now) // period + 1) * period

    def raise_alert(self, alert: Alert) -> Raised:
        """Store ``alert`` for everyone it goes to; durable once this returns."""
        routed = route(alert, self.settings)
        alert = routed.alert
        body = json.dumps(alert.to_dict(), sort_keys=True)
        now = self.clock()
        raised = Raised(alert.severity)
        event(
            "alert-raised",
            logging.WARNING if alert.severity is Severity.IMMEDIATE else logging.INFO,
            kind=alert.kind.value,
            severity=alert.severity.value,
            rules=list(alert.rules),
            emails=len(routed.email),
            webhook=routed.webhook,
        )
        if alert.severity is Severity.IMMEDIATE:
            if routed.email:
                subject = f"[DLP alert] {alert.summary}"
                mails = [
                    self._mail(address, subject, [alert.to_dict()]) for address in routed.email
                ]
                raised.mails = self.mail.queue(mails)
            if routed.webhook:
                raised.webhook_ids.append(self.store.put(WEBHOOK, WEBHOOK, body, now, now))
            return raised
        due = self.digest_due(now)
        targets = [f"email:{address}" for address in routed.email]
        if routed.webhook:
            targets.append(WEBHOOK)
        for target in targets:
            self.store.put(DIGEST, target, body, now, due)
            raised.digest_entries += 1
        return raised

    def first_attempts(self, raised: Raised) -> None:
        """Try an immediate alert's mail and webhook now (the caller's background work)."""
        for queued in raised.mails:
            self.mail.attempt(queued)
        if raised.webhook_ids:
            self.drain()

    def _mail(self, to: str, subject: str, alerts: Sequence[dict[str, object]]) -> NoticeMail:
        data = compose(self.sender, to, subject[:200], render_text(alerts), "")
        return NoticeMail(to, data, "alert")

    def drain(self, limit: int = 200) -> dict[str, int]:
        """Everything due now: digests sent on, webhooks posted. Counts by what happened."""
        now = self.clock()
        counts = {"posted": 0, "retry": 0, "digests": 0}
        entries = self.store.claim_due(now, now + self.lease, limit)
        digests: dict[str, list[QueuedAlert]] = {}
        for entry in entries:
            if entry.channel == DIGEST:
                digests.setdefault(entry.target, []).append(entry)
        for target, waiting in digests.items():
            alerts = [json.loads(entry.body) for entry in waiting]
            if target == WEBHOOK:
                body = json.dumps({"kind": "digest", "alerts": alerts}, sort_keys=True)
                self.store.put(WEBHOOK, WEBHOOK, body, now, now)
            else:
                address = target.removeprefix("email:")
                subject = f"[DLP alert digest] {len(alerts)} alert{'s' if len(alerts) > 1 else ''}"
                queued = self.mail.queue([self._mail(address, subject, alerts)])
                for item in queued:
                    self.mail.attempt(item)
            # Stored on (mail queue, webhook entry) before the entries are let go.
            self.store.done([entry.id for entry in waiting])
            counts["digests"] += 1
        posts = [entry for entry in entries if entry.channel == WEBHOOK]
        if digests:  # the digest webhooks just stored are due now, and this caller's
            posts += [
                entry
                for entry in self.store.claim_due(now, now + self.lease, limit)
                if entry.channel == WEBHOOK
            ]
        for entry in posts:
            counts["posted" if self._post(entry, now) else "retry"] += 1
        return counts

    def _post(self, entry: QueuedAlert, now: float) -> bool:
        url = self.settings.webhook_url
        if url is None:  # the webhook was taken out of the settings: nothing to post to
            self.store.done([entry.id])
            return True
        posted: Posted = post(
            url,
            self.webhook_secret,
            entry.body.encode(),
            entry.id,
            now,
            self.settings.webhook_timeout,
        )
        if posted.ok:
            self.store.done([entry.id])
            return True
        attempts = entry.attempts + 1
        delay = self.backoff.delay(attempts)
        self.store.retry(entry.id, attempts, self.clock() + delay, posted.detail)
        event(
            "alert-webhook-deferred",
            logging.WARNING,
            id=entry.id,
            attempts=attempts,
            retry_in=delay,
            result=posted.detail,
        )
        return False

    def condition(self, key: str, alert: Alert) -> Raised | None:
        """Raise ``alert`` about a standing condition, at most once per ``repeat_hours``."""
        repeat = self.settings.repeat_hours * 3600
        if not self.store.claim_condition(key, self.clock(), repeat):
            return None
        return self.raise_alert(alert)
