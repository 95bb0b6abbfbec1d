"""Scheduled upkeep on real databases: two runners sharing PostgreSQL (an advisory lock) or
SQLite (a lock row) run each job once per period; a dead runner's lock row runs out; the real
jobs purge, checkpoint and warn; `dlp maintain` runs them by hand."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from dlp.audit import AuditLog
from dlp.audit_keys import AuditKeys
from dlp.policy import Decision, Policy
from dlp.quarantine import schema
from dlp.quarantine.checkpoints import CheckpointBook
from dlp.quarantine.decisions import DAY, DecisionBook, decision_row
from dlp.quarantine.store import QuarantineStore, open_engine
from dlp.quarantine.triage import Triage
from dlp.quarantine.upkeep import DatabaseLocks, build_jobs
from dlp.settings import parse_settings
from dlp.upkeep.scheduler import Job, Scheduler
from tests.quarantine.conftest import KEY, SAMPLE_POLICY

REPO = Path(__file__).resolve().parents[2]


class Runs:
    """A job that takes a while and counts its runs (and, on PostgreSQL, sees its lock)."""

    def __init__(self, engine_url: str) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.advisory: list[int] = []
        self.engine = open_engine(engine_url)

    def __call__(self) -> dict[str, object]:
        with self.lock:
            self.count += 1
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                self.advisory.append(
                    int(
                        connection.execute(
                            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
                        ).scalar_one()
                    )
                )
        time.sleep(0.3)
        return {"ran": True}


@pytest.fixture
def runs(store_url: str) -> Iterator[Runs]:
    made = Runs(store_url)
    try:
        yield made
    finally:
        made.engine.dispose()


def test_two_runners_run_a_job_once_per_period(store_url: str, runs: Runs) -> None:
    clock = [1_800_000_000.0]
    runners = [
        Scheduler(
            [Job("purge", 3600, runs)], DatabaseLocks(open_engine(store_url)), lambda: clock[0]
        )
        for _ in range(2)
    ]
    results: list[str] = []

    def go(scheduler: Scheduler) -> None:
        results.extend(ran.result for ran in scheduler.run_due())

    for _ in range(3):  # three rounds within the period, both runners at once each time
        threads = [threading.Thread(target=go, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        clock[0] += 60
    assert runs.count == 1
    assert results.count("ok") == 1 and set(results) <= {"ok", "busy", "not-due"}
    if runs.engine.dialect.name == "postgresql":
        assert runs.advisory == [1]  # held by the runner while its job ran
    clock[0] += 3600
    assert [ran.result for ran in runners[1].run_due()] == ["ok"]  # the next period
    assert runs.count == 2
    assert [ran.result for ran in runners[0].run(["purge"])] == ["ok"]  # by hand: not due, runs
    for runner in runners:
        runner.locks.close()


def test_a_dead_runners_lock_row_runs_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    engine = open_engine(url)
    now = 1_800_000_000.0
    with engine.begin() as connection:
        connection.execute(
            insert(schema.upkeep_locks).values(name="purge", holder="dead", until=int(now) + 30)
        )
    done: list[int] = []
    scheduler = Scheduler(
        [Job("purge", 60, lambda: done.append(1) or {})],
        DatabaseLocks(engine, clock=lambda: clock),
        lambda: clock,
    )
    clock = now
    assert [ran.result for ran in scheduler.run_due()] == ["busy"]
    clock = now + 31
    assert [ran.result for ran in scheduler.run_due()] == ["ok"] and done == [1]
    engine.dispose()


def test_the_real_jobs_purge_checkpoint_and_warn(
    tmp_path: Path, held_decision: Decision, held_scan, policy: Policy, caplog
) -> None:
    settings = parse_settings(
        "[alerts]\nagreement_days = 400\n", str(tmp_path / "gateway.toml"), tmp_path
    )
    url = f"sqlite:///{tmp_path / 'q.db'}"
    store = QuarantineStore.open(url, KEY, retention_days=90)
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit-signing.key")
    book_of_checkpoints = CheckpointBook(store.engine)
    audit = AuditLog(tmp_path / "audit.log", keys, sinks=[book_of_checkpoints.record])
    triage = Triage(store, audit)
    held = store.hold(
        b"Subject: x\r\n\r\nbody\r\n",
        "t@cusd.com",
        ["x@gmail.example"],
        held_decision,
        held_scan,
        "<m>",
    )
    book = DecisionBook(store.engine)
    later = time.time() + 91 * DAY
    book.record(
        decision_row(
            held_decision, secret=b"s", gateway_id="g", held={}, delivered=[], now=time.time()
        )
    )
    jobs = build_jobs(settings, triage, audit, lambda: policy, None, clock=lambda: later)
    with caplog.at_level(logging.INFO, logger="dlp.upkeep"):
        results = {ran.job: ran for ran in Scheduler(jobs, DatabaseLocks(store.engine)).run()}
    assert {job: ran.result for job, ran in results.items()} == dict.fromkeys(results, "ok")
    assert results["retention-purge"].summary["expired"] == 1
    assert store.get(held).status.value == "expired"
    assert results["retention-purge"].summary["decisions_purged"] == 0  # 400 days by default
    assert results["audit-checkpoint"].summary["entries"] >= 1  # the purge's entry at least
    assert len(book_of_checkpoints.checkpoints()) == 1
    assert results["agreement-expiry"].summary["expiring"] >= 1, results
    events = [getattr(r, "fields", {}).get("event") for r in caplog.records]
    assert events.count("upkeep-run") == 4 and "agreement-expiring" in events
    store.close()


def test_dlp_maintain_runs_the_jobs_by_hand(tmp_path: Path) -> None:
    (tmp_path / "quarantine.key").write_text("00" * 32)
    (tmp_path / "secret.key").write_text("11" * 32)
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{SAMPLE_POLICY}"\n[detection]\nsecret_file = "secret.key"\n'
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "quarantine.key"\n'
        '[audit]\nfile = "audit.log"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def maintain(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dlp", "maintain", "--config", str(config), *extra],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    first = maintain()
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "retention-purge",
        "audit-checkpoint",
        "agreement-expiry",
        "roster-age",
    ]
    assert all(": ok " in line for line in lines)
    again = maintain("--due")
    assert again.returncode == 0 and again.stdout.count("not-due") == 4
    listed = maintain("--list")
    assert "retention-purge: every 6 h, last run 20" in listed.stdout
    wrong = maintain("--job", "nonsense")
    assert wrong.returncode == 2
