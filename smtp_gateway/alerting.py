"""Alerts in the gateway (`dlp.alerts`): one for each message held or refused, stored before
the reply; a worker that sends what is due (digests, webhook retries) every few seconds and
looks at the standing conditions every ``check_seconds``.

An alert never changes a reply: storing one that fails is logged, and the message's fate is
already durable by then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor

from dlp.actions.outbox import Outbox
from dlp.actions.step import ActionStep
from dlp.alerts.alert import decision_alert
from dlp.alerts.checks import Checks, Sources, roster_imported_at
from dlp.alerts.dispatch import DIGEST, WEBHOOK, Alerter, Raised, load_secret
from dlp.audit import AuditLog, verify
from dlp.audit_checkpoints import Checkpoint
from dlp.audit_verify import Verification
from dlp.policy import Policy
from dlp.settings import Settings
from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics
from smtp_gateway.observers import Decided
from smtp_gateway.periodic import Periodic, run_every


class GatewayAlerts:
    """The relay's side: an alert per decided message."""

    def __init__(
        self,
        alerter: Alerter,
        executor: Executor,
        metrics: Metrics,
        public_url: str | None,
        background: set[asyncio.Task[None]],
    ) -> None:
        self.alerter = alerter
        self.executor = executor
        self.metrics = metrics
        self.public_url = public_url
        self.background = background

    async def decided(self, decided: Decided) -> None:
        """Store the alert for a message held or refused (never raises); its first attempts
        run in the background."""
        if not decided.final:
            return  # the sender tries again: the next decision is the one told
        alert = decision_alert(
            decided.decision,
            gateway_id=decided.gateway_id,
            message_id=decided.message_id,
            held=decided.held,
            refused=decided.refused,
            public_url=self.public_url,
            now=decided.time,
        )
        if alert is None:
            return
        loop = asyncio.get_running_loop()
        try:
            raised = await loop.run_in_executor(self.executor, self.alerter.raise_alert, alert)
        except Exception as error:
            log_event(
                "alert-failed", logging.ERROR, id=decided.gateway_id, error=type(error).__name__
            )
            return
        self.metrics.alerts.labels(alert.kind.value, raised.severity.value).inc()
        task = loop.create_task(self._first(raised))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _first(self, raised: Raised) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, self.alerter.first_attempts, raised
            )
        except Exception as error:  # the entries are stored: the worker tries them again
            log_event("alert-attempt-failed", logging.ERROR, error=type(error).__name__)


class AlertWorker(Periodic):
    """Every ``poll`` seconds: what is due goes out; every ``check_seconds``: the conditions."""

    def __init__(
        self,
        alerter: Alerter,
        checks: Checks,
        executor: Executor,
        metrics: Metrics,
        poll: float = 5.0,
    ) -> None:
        self.alerter = alerter
        self.checks = checks
        self.executor = executor
        self.metrics = metrics
        self.poll = poll
        self.last_check: float | None = None
        self.task: asyncio.Task[None] | None = None

    def once(self) -> None:
        """One round (in a worker thread): conditions when due, then what is due to send."""
        now = time.monotonic()
        if self.last_check is None or now - self.last_check >= self.alerter.settings.check_seconds:
            self.last_check = now
            for key in self.checks.run():
                log_event("alert-condition", logging.WARNING, condition=key)
        counts = self.alerter.drain()
        for name, count in counts.items():
            if count:
                self.metrics.alert_sends.labels(name).inc(count)
        depths = self.alerter.store.depth()
        for channel in (WEBHOOK, DIGEST):
            self.metrics.alert_queue.labels(channel).set(depths.get(channel, 0))

    async def _loop(self) -> None:
        await run_every(self.executor, self.once, self.poll, "alerts-unavailable")


def audit_verifier(
    audit: AuditLog, checkpoints: Callable[[], list[Checkpoint]]
) -> Callable[[], Verification]:
    """The chain checked as `dlp audit verify` does; a failure on the last line is checked
    again a moment later, since a writer may be half-way through appending it."""

    def check() -> Verification:
        mine = [c for c in checkpoints() if c.host == audit.host]
        result = verify(audit.path, audit.keys, mine)
        if result.ok:
            return result
        time.sleep(1.0)
        return verify(audit.path, audit.keys, mine)

    return check


def open_alerting(
    settings: Settings,
    step: ActionStep,
    outbox: Outbox | None,
    audit: AuditLog | None,
    policy: Callable[[], Policy],
    sender: Callable[[], str],
    executor: Executor,
    metrics: Metrics,
    background: set[asyncio.Task[None]],
) -> tuple[GatewayAlerts, AlertWorker] | None:
    """The relay's alerts and their worker, when ``[alerts]`` tells anyone anything."""
    alerts = settings.alerts
    if not alerts.enabled:
        return None
    from dlp.quarantine.alert_queue import AlertQueueStore, held_size
    from dlp.quarantine.checkpoints import CheckpointBook

    store = AlertQueueStore.open(settings.quarantine.url)
    alerter = Alerter(alerts, store, step, sender(), load_secret(alerts.webhook_secret_file))
    roster = settings.detection.roster
    book = CheckpointBook(store.engine)
    sources = Sources(
        notice_queue=outbox.depth if outbox is not None else None,
        notice_max_age=settings.gateway.notice_alert_seconds,
        quarantine_size=lambda: held_size(store.engine),
        policy=policy,
        verify_audit=audit_verifier(audit, book.checkpoints) if audit is not None else None,
        roster_imported=(lambda: roster_imported_at(roster)) if roster is not None else None,
        roster_max_age_days=settings.detection.roster_max_age_days,
    )
    poll = min(5.0, alerts.retry_seconds)
    worker = AlertWorker(alerter, Checks(alerter, sources), executor, metrics, poll)
    return GatewayAlerts(alerter, executor, metrics, settings.web.public_url, background), worker
