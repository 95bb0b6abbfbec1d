"""The standing conditions on real parts: a quarantine holding messages, the sample policy's
agreements, an audit log edited after the fact, a roster store's import time, a notice queue
whose oldest entry ages; each told once per period, and again once over and back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dlp.actions.outbox import Backoff, Outbox
from dlp.actions.step import ActionStep
from dlp.alerts.alert import Kind
from dlp.alerts.checks import Checks, Sources, roster_imported_at
from dlp.alerts.dispatch import Alerter
from dlp.alerts.settings import AlertSettings
from dlp.audit import AuditLog, verify
from dlp.audit_keys import AuditKeys
from dlp.delivery import LocalFolder, deliver
from dlp.model import ScanResult
from dlp.policy import Decision, Policy
from dlp.quarantine import schema
from dlp.quarantine.alert_queue import AlertQueueStore, held_size
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import bind
from dlp.quarantine.store import QuarantineStore
from tests.quarantine.conftest import KEY, another
from tests.roster.one_student import one_student_roster

T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class World:
    def __init__(self, tmp: Path, settings: AlertSettings) -> None:
        self.url = f"sqlite:///{tmp / 'quarantine.db'}"
        self.clock = Clock()
        self.store = AlertQueueStore.open(self.url)
        self.outbox_store = OutboxStore.open(self.url)
        send = bind(deliver, LocalFolder(tmp / "delivered"))
        self.outbox = Outbox(self.outbox_store, send, Backoff(10, 40), clock=self.clock)
        self.alerter = Alerter(
            settings,
            self.store,
            ActionStep(send, self.outbox),
            "postmaster@cusd.com",
            b"",
            self.clock,
        )

    def waiting(self) -> list[dict[str, object]]:
        """The alerts in the digest queue, as their JSON bodies (one address: one entry)."""
        with self.store.engine.connect() as connection:
            rows = connection.execute(schema.alert_queue.select()).all()
        return [json.loads(row.body) for row in rows]

    def close(self) -> None:
        self.store.close()
        self.outbox_store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = AlertSettings(
        email=("security@cusd.com",),
        quarantine_max_messages=2,
        quarantine_max_bytes=0,
        agreement_days=30,
        audit_verify_minutes=60,
        repeat_hours=24,
    )
    made = World(tmp_path, settings)
    try:
        yield made
    finally:
        made.close()


def test_the_quarantine_past_its_limit_is_told_once_per_period(
    world: World,
    held_decision: Decision,
    held_scan: ScanResult,
) -> None:
    quarantine = QuarantineStore.open(world.url, KEY)
    try:
        checks = Checks(
            world.alerter, Sources(quarantine_size=lambda: held_size(world.store.engine))
        )
        for n in range(2):
            quarantine.hold(
                another(n), "t@cusd.com", ["x@gmail.example"], held_decision, held_scan, f"<m{n}>"
            )
        assert checks.run() == []  # two held: at the limit, not past it
        quarantine.hold(
            another(2), "t@cusd.com", ["x@gmail.example"], held_decision, held_scan, "<m2>"
        )
        count, size = held_size(world.store.engine)
        assert count == 3 and size == sum(len(another(n)) for n in range(3))
        assert checks.run() == ["quarantine-size"]
        world.clock.now += 3600
        assert checks.run() == []  # still past, told already this period
        world.clock.now += 24 * 3600
        assert checks.run() == ["quarantine-size"]
    finally:
        quarantine.close()
    alerts = world.waiting()
    assert [a["kind"] for a in alerts] == [Kind.QUARANTINE_SIZE.value] * 2
    assert alerts[0]["facts"]["held_messages"] == 3


def test_an_agreement_expiring_within_the_window_is_told(
    world: World,
    policy: Policy,
) -> None:
    dated = [entry for entry in policy.authorized if entry.expires is not None]
    assert dated, "the sample policy has an agreement with an end date"
    expires = dated[0].expires
    assert expires is not None
    checks = Checks(world.alerter, Sources(policy=lambda: policy))
    assert checks.run(today=expires - timedelta(days=31)) == []
    [key] = checks.run(today=expires - timedelta(days=30))
    assert key.startswith(f"agreement:{dated[0].name}:")
    [alert] = world.waiting()
    assert alert["kind"] == Kind.AGREEMENT_EXPIRING.value
    assert alert["facts"]["days_left"] == 30 and alert["facts"]["expires"] == expires.isoformat()


def test_an_edited_audit_log_is_told_at_once(world: World, tmp_path: Path) -> None:
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit-signing.key")
    log = AuditLog(tmp_path / "audit.log", keys)
    for n in range(3):
        log.append("gateway-decision", gateway_id=f"gw-{n}", sender="t@cusd.com")
    checks = Checks(world.alerter, Sources(verify_audit=lambda: verify(log.path, keys)))
    assert checks.run() == []
    lines = log.path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"gw-1", b"gw-9")
    log.path.write_bytes(b"".join(lines))
    assert checks.run() == []  # checked an hour apart, not at every round
    world.clock.now += 3600
    assert checks.run() == ["audit-tampering"]
    assert world.waiting() == []  # not left for a digest: an immediate mail
    [mail] = [path.read_bytes() for path in (tmp_path / "delivered").rglob("*") if path.is_file()]
    assert b"audit log fails verification" in mail and b"security@cusd.com" in mail
    assert world.outbox.depth() == (0, 0.0)


def test_a_stale_roster_is_told(world: World, tmp_path: Path) -> None:
    path = one_student_roster(tmp_path / "roster.npz", b"s" * 32)
    imported = roster_imported_at(path)
    assert imported is not None and abs(datetime.now(UTC) - imported) < timedelta(minutes=5)
    world.clock.now = imported.timestamp() + 6 * 86400
    checks = Checks(
        world.alerter,
        Sources(roster_imported=lambda: roster_imported_at(path), roster_max_age_days=7),
    )
    assert checks.run() == []
    world.clock.now = imported.timestamp() + 8 * 86400
    assert checks.run() == ["roster-stale"]
    [alert] = world.waiting()
    assert alert["facts"]["imported_at"] == imported.isoformat()
    assert alert["facts"]["max_age_days"] == 7
    assert roster_imported_at(tmp_path / "missing.npz") is None
    # 0: never told, however old.
    world.clock.now = imported.timestamp() + 3000 * 86400
    never = Sources(roster_imported=lambda: roster_imported_at(path), roster_max_age_days=0)
    assert Checks(world.alerter, never).roster() == []


def test_the_roster_alert_reads_the_detection_setting(tmp_path: Path) -> None:
    """One setting for the roster's freshness: [detection] roster_max_age_days, for the
    gateway's warning and for the alert; the old [alerts] key is refused, saying where."""
    from dlp.policy import load_policy
    from dlp.quarantine.upkeep import settings_checks
    from dlp.settings import SettingsError, parse_settings
    from tests.quarantine.conftest import SAMPLE_POLICY

    roster = one_student_roster(tmp_path / "roster.npz", b"s" * 32)
    text = (
        f'[detection]\nroster = "{roster}"\nroster_max_age_days = 3\n'
        '[alerts]\nemail = ["security@cusd.com"]\n'
    )
    settings = parse_settings(text, str(tmp_path / "gateway.toml"), tmp_path)
    store = AlertQueueStore.open(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        checks = settings_checks(settings, store.engine, lambda: load_policy(SAMPLE_POLICY))
        assert checks is not None
        assert checks.sources.roster_max_age_days == 3
        assert checks.sources.roster_imported is not None
    finally:
        store.close()
    with pytest.raises(SettingsError, match=r"\[detection\] roster_max_age_days"):
        parse_settings(text + "roster_max_age_days = 3\n", str(tmp_path / "g.toml"), tmp_path)


def test_a_notice_queue_aging_is_told_and_told_again_after_it_recovers(world: World) -> None:
    checks = Checks(world.alerter, Sources(notice_queue=world.outbox.depth, notice_max_age=600))
    from dlp.actions.mail import NoticeMail

    world.outbox.put([NoticeMail("t@cusd.com", b"Subject: x\r\n\r\nx\r\n", "notice")])
    world.clock.now = T0 + 601
    assert checks.run() == ["notice-queue-aging"]
    for entry in world.outbox_store.claim_due(T0 + 10_000, T0 + 10_001, 10):
        world.outbox_store.done(entry.id)
    assert checks.run() == []  # over: forgotten
    world.outbox.put([NoticeMail("t@cusd.com", b"Subject: y\r\n\r\ny\r\n", "notice")])
    world.clock.now = T0 + 1300
    assert checks.run() == ["notice-queue-aging"]  # back within the period: told at once
    kinds = [a["kind"] for a in world.waiting()]
    assert kinds == [Kind.NOTICE_QUEUE_AGING.value] * 2
