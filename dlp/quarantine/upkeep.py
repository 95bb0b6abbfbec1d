"""The upkeep jobs over the quarantine's database and the settings, and their locks.

Locks (`dlp.upkeep.scheduler.Locks`): on PostgreSQL, a session advisory lock per job
(``pg_try_advisory_lock`` on a key derived from the job's name), held on a connection of its
own while the job runs and gone with that connection if the runner dies; on SQLite, a row in
``upkeep_locks`` taken by one conditional statement, with a lease for a runner that dies.

Jobs (`build_jobs`): the retention purge (held messages' bytes past retention, decisions past
theirs, the day's student counts), an audit checkpoint, the agreements expiring soon, and the
roster's age; the last two warn in the log, and alert when ``[alerts]`` is set (`checks`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from dlp.alerts.checks import Checks, roster_imported_at
from dlp.audit import AuditLog
from dlp.policy.config import Policy
from dlp.quarantine import schema
from dlp.quarantine.decisions import DecisionBook
from dlp.quarantine.triage import Actor, PurgeReport, Triage
from dlp.settings import Settings
from dlp.upkeep.scheduler import Job, Summary, event

UPKEEP = Actor("upkeep", "upkeep")


def _key(name: str) -> int:
    """A signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(
        hashlib.sha256(b"dlp-upkeep:" + name.encode()).digest()[:8], "big", signed=True
    )


class DatabaseLocks:
    def __init__(
        self, engine: Engine, lease: float = 1800.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.clock = clock
        self.holder = secrets.token_hex(8)
        self.postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        if self.postgres:
            with self.engine.connect() as connection:
                got = bool(
                    connection.execute(
                        text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(name)}
                    ).scalar()
                )
                connection.commit()
                try:
                    yield got
                finally:
                    if got:
                        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)})
                        connection.commit()
            return
        got = self._take_row(name)
        try:
            yield got
        finally:
            if got:
                with self.engine.begin() as connection:
                    connection.execute(
                        delete(schema.upkeep_locks).where(
                            schema.upkeep_locks.c.name == name,
                            schema.upkeep_locks.c.holder == self.holder,
                        )
                    )

    def _take_row(self, name: str) -> bool:
        now = self.clock()
        until = math.ceil(now + self.lease)
        table = schema.upkeep_locks
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(table).values(name=name, holder=self.holder, until=until))
            return True
        except IntegrityError:
            pass
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(table)
                .where(table.c.name == name, table.c.until < int(now))
                .values(holder=self.holder, until=until)
            ).rowcount
        return bool(taken == 1)

    def close(self) -> None:
        self.engine.dispose()

    def last(self, name: str) -> float | None:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(schema.upkeep_runs.c.last).where(schema.upkeep_runs.c.name == name)
            ).scalar()
        return None if found is None else float(found)

    def record(self, name: str, when: float, result: str) -> None:
        table = schema.upkeep_runs
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(table).where(table.c.name == name).values(last=int(when), result=result)
            ).rowcount
            if not changed:
                connection.execute(insert(table).values(name=name, last=int(when), result=result))


def expiring_agreements(policy: Policy, days: int, today: date) -> list[dict[str, object]]:
    found = []
    for entry in policy.authorized:
        if entry.expires is not None and (entry.expires - today).days <= days:
            found.append(
                {
                    "partner": entry.name,
                    "agreement": entry.agreement,
                    "expires": entry.expires.isoformat(),
                    "days_left": (entry.expires - today).days,
                }
            )
    return found


def build_jobs(
    settings: Settings,
    triage: Triage,
    audit: AuditLog | None,
    policy: Callable[[], Policy],
    checks: Checks | None = None,
    clock: Callable[[], float] = time.time,
) -> list[Job]:
    """The four jobs; ``triage`` over the quarantine store (its audit log records the purge),
    ``audit`` the log to checkpoint (None: no audit log), ``checks`` the alerts' conditions."""
    every = settings.upkeep.every()
    engine = triage.store.engine

    def purge() -> Summary:
        now = int(clock())
        # A purge with nothing to purge is not worth an audit entry every few hours.
        report = triage.purge(UPKEEP, now) if triage.store.expired(now) else PurgeReport((), ())
        decisions, students = DecisionBook(engine).purge(
            clock(), settings.quarantine.decision_retention_days
        )
        return {
            "expired": len(report.expired),
            "skipped": len(report.failed),
            "decisions_purged": decisions,
            "student_counts_purged": students,
        }

    def checkpoint() -> Summary:
        if audit is None:
            return {"checkpoint": "no audit log"}
        made = audit.checkpoint()
        return {"entries": made.count if made is not None else 0}

    def agreements() -> Summary:
        days = settings.alerts.agreement_days or 30
        today = datetime.fromtimestamp(clock(), UTC).date()
        found = expiring_agreements(policy(), days, today)
        for item in found:
            event("agreement-expiring", logging.WARNING, **item)
        alerted = checks.agreements(today) if checks is not None else []
        return {"expiring": len(found), "alerted": len(alerted)}

    def roster() -> Summary:
        path = settings.detection.roster
        if path is None:
            return {"roster": "none configured"}
        imported = roster_imported_at(path)
        limit = settings.detection.roster_max_age_days  # 0: never warn
        age = None if imported is None else (clock() - imported.timestamp()) / 86400
        if limit and (age is None or age > limit):
            event(
                "roster-stale",
                logging.WARNING,
                imported_at=imported.isoformat() if imported else None,
                max_age_days=limit,
            )
        alerted = checks.roster() if checks is not None else []
        return {"age_days": None if age is None else round(age, 1), "alerted": len(alerted)}

    return [
        Job("retention-purge", every["retention-purge"], purge),
        Job("audit-checkpoint", every["audit-checkpoint"], checkpoint),
        Job("agreement-expiry", every["agreement-expiry"], agreements),
        Job("roster-age", every["roster-age"], roster),
    ]


def settings_checks(
    settings: Settings, engine: Engine, policy: Callable[[], Policy]
) -> Checks | None:
    """The alerts' conditions for `dlp maintain` (outside the gateway): alert mail through the
    notice queue in ``engine``'s database, webhooks through the alert queue; None when
    ``[alerts]`` tells no one."""
    if not settings.alerts.enabled:
        return None
    from dlp.actions.outbox import Backoff, Outbox
    from dlp.actions.step import ActionStep
    from dlp.alerts.checks import Sources
    from dlp.alerts.dispatch import Alerter, load_secret
    from dlp.delivery import deliver
    from dlp.quarantine.alert_queue import AlertQueueStore
    from dlp.quarantine.outbox import OutboxStore
    from dlp.quarantine.release import bind

    send = bind(deliver, settings.delivery.target())
    gateway = settings.gateway
    outbox = Outbox(
        OutboxStore(engine),
        send,
        Backoff(gateway.notice_retry_seconds, gateway.notice_retry_max_seconds),
    )
    current = policy()
    domain = current.internal_domains[0] if current.internal_domains else "localhost"
    alerter = Alerter(
        settings.alerts,
        AlertQueueStore(engine),
        ActionStep(send, outbox),
        gateway.notice_from or f"postmaster@{domain}",
        load_secret(settings.alerts.webhook_secret_file),
    )
    roster = settings.detection.roster
    sources = Sources(
        policy=policy,
        roster_imported=(lambda: roster_imported_at(roster)) if roster is not None else None,
        roster_max_age_days=settings.detection.roster_max_age_days,
    )
    return Checks(alerter, sources)
