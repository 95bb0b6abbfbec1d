"""The standing conditions worth an alert, looked at every ``check_seconds``.

Each check reads one thing through a function it is given (the gateway or `dlp maintain`
wires them to the notice queue, the quarantine's database, the policy, the audit log and the
roster store), so that this module needs none of them. A condition is told once, then again
every ``repeat_hours`` while it holds (`Alerter.condition`, shared through the database); once
it is over, the next time it holds is told at once.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dlp.actions.outbox import event
from dlp.alerts.alert import Alert, Kind, Severity
from dlp.alerts.dispatch import Alerter
from dlp.audit_verify import Verification
from dlp.policy.config import Policy

log = logging.getLogger("dlp.alerts.checks")


def roster_imported_at(path: Path) -> datetime | None:
    """When the roster store at ``path`` was imported (its manifest's ``imported_at``); None
    when it cannot be read. The hook for the roster's own age, when it has one."""
    try:
        with zipfile.ZipFile(path) as archive:
            import numpy as np  # the roster store's own format: a NumPy archive

            with archive.open("manifest.npy") as stream:
                manifest = json.loads(np.load(stream, allow_pickle=False).tobytes())
        return datetime.fromisoformat(str(manifest["imported_at"]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


@dataclass(frozen=True, slots=True)
class Sources:
    """Where each condition is read; None: that check is off."""

    notice_queue: Callable[[], tuple[int, float]] | None = None  # depth, oldest age (s)
    notice_max_age: float = 4 * 3600.0
    quarantine_size: Callable[[], tuple[int, int]] | None = None  # held messages, bytes
    policy: Callable[[], Policy] | None = None
    verify_audit: Callable[[], Verification] | None = None
    roster_imported: Callable[[], datetime | None] | None = None
    roster_max_age_days: int = 14  # [detection] roster_max_age_days; 0: never


class Checks:
    def __init__(self, alerter: Alerter, sources: Sources) -> None:
        self.alerter = alerter
        self.sources = sources
        self.settings = alerter.settings
        self.last_audit: float | None = None

    def _found(self, key: str, alert: Alert | None) -> bool:
        """Raise ``alert`` (once per repeat period) or, when None, mark ``key`` as over."""
        if alert is None:
            self.alerter.store.forget_condition(key)
            return False
        raised = self.alerter.condition(key, alert)
        if raised is None:
            return False
        self.alerter.first_attempts(raised)  # an immediate one's mail goes now, not in 10 min
        return True

    def run(self, today: date | None = None) -> list[str]:
        """Every check due now; the keys of the alerts raised. A check that fails (its
        source away) is logged and the others go on."""
        raised: list[str] = []
        for key, check in (
            ("notice-queue", self.notice_queue),
            ("quarantine-size", self.quarantine_size),
            ("agreements", lambda: self.agreements(today)),
            ("audit", self.audit),
            ("roster", self.roster),
        ):
            try:
                raised.extend(check())
            except Exception as error:
                event("alert-check-failed", logging.ERROR, check=key, error=type(error).__name__)
        return raised

    def _alert(self, kind: Kind, summary: str, facts: dict[str, object], **more: object) -> Alert:
        return Alert(kind, summary, self.alerter.clock(), details={"facts": facts, **more})

    def notice_queue(self) -> list[str]:
        if self.sources.notice_queue is None:
            return []
        depth, age = self.sources.notice_queue()
        key = "notice-queue-aging"
        limit = self.sources.notice_max_age
        alert = None
        if age > limit:
            alert = self._alert(
                Kind.NOTICE_QUEUE_AGING,
                f"The notice queue is stuck: {depth} waiting, the oldest {round(age / 60)} min",
                {"waiting": depth, "oldest_seconds": round(age), "limit_seconds": limit},
            )
        return [key] if self._found(key, alert) else []

    def quarantine_size(self) -> list[str]:
        most, most_bytes = self.settings.quarantine_max_messages, self.settings.quarantine_max_bytes
        if self.sources.quarantine_size is None or not (most or most_bytes):
            return []
        count, size = self.sources.quarantine_size()
        key = "quarantine-size"
        alert = None
        if (most and count > most) or (most_bytes and size > most_bytes):
            alert = self._alert(
                Kind.QUARANTINE_SIZE,
                f"The quarantine holds {count} messages ({size} bytes) waiting for review",
                {
                    "held_messages": count,
                    "held_bytes": size,
                    "max_messages": most,
                    "max_bytes": most_bytes,
                },
            )
        return [key] if self._found(key, alert) else []

    def agreements(self, today: date | None = None) -> list[str]:
        days = self.settings.agreement_days
        if self.sources.policy is None or not days:
            return []
        today = today or datetime.now(UTC).date()
        raised = []
        for entry in self.sources.policy().authorized:
            if entry.expires is None:
                continue
            key = f"agreement:{entry.name}:{entry.agreement}:{entry.expires.isoformat()}"
            left = (entry.expires - today).days
            alert = None
            if left <= days:
                state = "expired" if left < 0 else f"expires in {left} days"
                alert = self._alert(
                    Kind.AGREEMENT_EXPIRING,
                    f"The agreement {entry.agreement} with {entry.name} {state}"
                    f" ({entry.expires.isoformat()})",
                    {
                        "partner": entry.name,
                        "agreement": entry.agreement,
                        "expires": entry.expires.isoformat(),
                        "days_left": left,
                        "domains": ", ".join(entry.domains),
                    },
                )
            if self._found(key, alert):
                raised.append(key)
        return raised

    def audit(self) -> list[str]:
        minutes = self.settings.audit_verify_minutes
        if self.sources.verify_audit is None or not minutes:
            return []
        now = self.alerter.clock()
        if self.last_audit is not None and now - self.last_audit < minutes * 60:
            return []
        self.last_audit = now
        result = self.sources.verify_audit()
        key = "audit-tampering"
        alert = None
        if not result.ok:
            alert = self._alert(
                Kind.AUDIT_TAMPERING,
                "The audit log fails verification: it may have been altered",
                {
                    "reason": result.reason,
                    "file": str(result.file or ""),
                    "line": result.first_bad_line,
                    "entries_sound": result.entries,
                },
            )
            alert = alert.with_severity(Severity.IMMEDIATE)
        return [key] if self._found(key, alert) else []

    def roster(self) -> list[str]:
        days = self.sources.roster_max_age_days
        if self.sources.roster_imported is None or not days:
            return []
        imported = self.sources.roster_imported()
        key = "roster-stale"
        alert = None
        now = datetime.fromtimestamp(self.alerter.clock(), UTC)
        if imported is None or now - imported > timedelta(days=days):
            age = "unknown" if imported is None else f"{(now - imported).days} days"
            alert = self._alert(
                Kind.ROSTER_STALE,
                f"The roster is stale: last imported {age} ago (limit {days} days)",
                {
                    "imported_at": imported.isoformat() if imported else None,
                    "max_age_days": days,
                },
            )
        return [key] if self._found(key, alert) else []
