"""The gateway picks up a re-imported roster while it takes mail, and never half of one.

Two rosters that share no student the message names: the old one knows Anselmo Ybarra, the
new one Teodora Villalobos. Every message names both with IEP terms, so each held copy's
roster findings say which roster decided it: Anselmo's initials (old), Teodora's (new); both
or neither would be a roster half loaded.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dlp.model import ScanResult
from dlp.policy import Decision
from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore
from smtp_gateway.holding import Holder
from tests.gateway.harness import REPO, RunningGateway, make_settings
from tests.gateway.sink import Sink, free_port
from tests.gateway.test_command import events_of, start_gateway, stop_gateway, wait_for_event

SECRET = b"gateway-reload-secret-0123456789abcdef"
OLD = [Person(Role.STUDENT, "4512345", PersonName("Anselmo", "Ybarra"))]
NEW = [Person(Role.STUDENT, "4598765", PersonName("Teodora", "Villalobos"))]


def message(number: int) -> bytes:
    return (
        f"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: load {number}\r\n\r\n"
        "Anselmo Ybarra and Teodora Villalobos will need their IEP accommodations for the\r\n"
        "quiz: extended time and a reader.\r\n"
    ).encode()


class Findings:
    """A holder that notes, per held message, the initials of the roster students found."""

    def __init__(self, inner: Holder) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.initials: dict[int, frozenset[str]] = {}

    def hold(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
    ) -> str:
        number = int(raw.split(b"Subject: load ", 1)[1].split(b"\r\n", 1)[0])
        names = frozenset(
            f.masked[0] for f in scan.findings if f.entity_type == "ROSTER_STUDENT_NAME"
        )
        with self.lock:
            self.initials[number] = names
        return self.inner.hold(raw, sender, recipients, decision, scan, message_id)


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def _gateway(tmp: Path, sink: Sink, roster: Path, check_seconds: float) -> RunningGateway:
    (tmp / "secret.key").write_bytes(SECRET)
    settings = make_settings(tmp, "workers = 2", next_hop_port=sink.port)
    detection = replace(
        settings.detection,
        roster=roster,
        roster_check_seconds=check_seconds,
        roster_max_age_days=7,
    )
    return RunningGateway(replace(settings, detection=detection))


def _findings(running: RunningGateway) -> Findings:
    assert running.holder is not None
    findings = Findings(running.holder.inner)
    running.holder.inner = findings
    return findings


def _metrics(running: RunningGateway) -> dict[str, float]:
    url = f"http://127.0.0.1:{running.gateway.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {
        name: float(value)
        for name, _, value in (line.rpartition(" ") for line in lines)
        if name.startswith("dlp_gateway_roster")
    }


def _wait(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_reload_under_load_decides_each_message_with_one_whole_roster(
    tmp_path: Path, sink: Sink
) -> None:
    roster = tmp_path / "roster.npz"
    store = RosterStore.open(roster, SECRET)
    store.import_people(OLD, "test")
    with _gateway(tmp_path, sink, roster, check_seconds=0.2) as running:
        findings = _findings(running)
        reload = running.gateway.roster
        assert reload is not None
        old_version = reload.current.version
        times: dict[int, tuple[float, float, int]] = {}
        lock = threading.Lock()
        counter = iter(range(10_000))
        stop = threading.Event()

        def load() -> None:
            with running.client() as client:
                while not stop.is_set():
                    with lock:
                        number = next(counter)
                    started = time.monotonic()
                    client.sendmail("mlopez@cusd.com", ["tutor@gmail.com"], message(number))
                    with lock:
                        times[number] = (started, time.monotonic(), 250)

        senders = [threading.Thread(target=load) for _ in range(3)]
        for sender in senders:
            sender.start()
        try:
            _wait(lambda: len(times) >= 12)
            swap_began = time.monotonic()
            store.import_people(NEW, "test")  # renamed over the file the gateway watches
            _wait(lambda: reload.current.version != old_version)
            swapped = time.monotonic()
            _wait(lambda: sum(1 for s, _, _ in list(times.values()) if s > swapped) >= 12)
        finally:
            stop.set()
            for sender in senders:
                sender.join(60)
        assert len(times) >= 24
        assert sorted(findings.initials) == sorted(times), "every message was held"
        kinds = {number: "".join(sorted(found)) for number, found in findings.initials.items()}
        assert set(kinds.values()) == {"A", "T"}, kinds
        assert all(kinds[n] == "A" for n, (_, end, _) in times.items() if end < swap_began)
        assert all(kinds[n] == "T" for n, (start, _, _) in times.items() if start > swapped)
        assert running.gateway.pool.roster_versions() == {reload.current.version: 2} or all(
            kinds[n] == "T" for n, (start, _, _) in times.items() if start > swapped
        )
        assert [m for m in sink.received if m.sender != "<>"] == []
        assert _metrics(running)['dlp_gateway_roster_reloads_total{result="ok"}'] == 1.0


def _age(roster: Path, days: int) -> None:
    """Rewrite the store's manifest as if it had been imported ``days`` ago."""
    with np.load(roster, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    manifest = json.loads(arrays["manifest"].tobytes())
    stamp = time.gmtime(time.time() - days * 86_400)
    manifest["imported_at"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", stamp)
    arrays["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    with roster.open("wb") as stream:
        np.savez(stream, allow_pickle=False, **arrays)


def test_sighup_reload_refuses_a_broken_store_and_reports_age(
    tmp_path: Path, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    roster = tmp_path / "roster.npz"
    store = RosterStore.open(roster, SECRET)
    store.import_people(OLD, "test")
    _age(roster, 30)
    caplog.set_level(logging.INFO, logger="smtp_gateway")
    # The file is looked at only on SIGHUP (`Gateway.reload`, what the signal calls).
    with _gateway(tmp_path, sink, roster, check_seconds=3600) as running:
        findings = _findings(running)
        reload = running.gateway.roster
        assert reload is not None
        first = reload.current.version
        metrics = _metrics(running)
        assert metrics["dlp_gateway_roster_stale"] == 1.0
        assert 30 * 86_400 - 60 < metrics["dlp_gateway_roster_age_seconds"] < 30 * 86_400 + 60
        events = [getattr(r, "fields", {}) for r in caplog.records]
        stale = [e for e in events if e.get("event") == "roster-stale"]
        assert stale and stale[0]["age_days"] == 30.0 and stale[0]["max_age_days"] == 7

        junk = tmp_path / "junk.npz"
        junk.write_bytes(b"PK\x03\x04 half a roster")
        junk.replace(roster)
        assert running.gateway.reload()  # the policy reloads; the roster is refused, kept
        _wait(lambda: _metrics(running).get('dlp_gateway_roster_reloads_total{result="refused"}'))
        assert reload.current.version == first
        refused = [
            getattr(r, "fields", {})
            for r in caplog.records
            if getattr(r, "fields", {}).get("event") == "roster-reload-refused"
        ]
        assert refused[0]["kept"] == first
        assert str(roster) in refused[0]["error"] and "not a readable roster" in refused[0]["error"]
        running.send(message(1), "mlopez@cusd.com", ["tutor@gmail.com"])
        assert findings.initials[1] == {"A"}

        roster.unlink()  # (an import reads the store it replaces: it refuses a broken one)
        store.import_people(NEW, "test")
        running.gateway.reload()
        # The version changes as the swap begins; the count once every process has it.
        _wait(lambda: _metrics(running).get('dlp_gateway_roster_reloads_total{result="ok"}'))
        assert reload.current.version != first
        running.send(message(2), "mlopez@cusd.com", ["tutor@gmail.com"])
        assert findings.initials[2] == {"T"}
        metrics = _metrics(running)
        assert metrics["dlp_gateway_roster_stale"] == 0.0
        assert metrics["dlp_gateway_roster_age_seconds"] < 600
        assert metrics['dlp_gateway_roster_reloads_total{result="ok"}'] == 1.0
        status = running.gateway.status()[1]["roster"]
        assert isinstance(status, dict)
        assert status["version"] == reload.current.version and status["stale"] is False
        # Only the copy in use is left in the gateway's private folder.
        assert [p.name for p in reload.folder.iterdir()] == [f"roster-{reload.current.version}.npz"]
        logged = "\n".join(
            r.getMessage() + json.dumps(getattr(r, "fields", {})) for r in caplog.records
        )
        assert "Teodora" not in logged and "Villalobos" not in logged and "4598765" not in logged
    assert not reload.folder.exists()


def test_a_running_gateway_process_reloads_the_roster_on_sighup(tmp_path: Path) -> None:
    """`dlp gateway` itself: the signal handler reaches the roster, the log says so."""
    (tmp_path / "secret.key").write_bytes(SECRET)
    store = RosterStore.open(tmp_path / "roster.npz", SECRET)
    store.import_people(OLD, "test")
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        '[detection]\nsecret_file = "secret.key"\nroster = "roster.npz"\n'
        "roster_check_seconds = 3600\n"
        f'[gateway]\nlisten = "127.0.0.1:{free_port()}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nfolder = "delivered"\n'
    )
    log = tmp_path / "log.jsonl"
    process = start_gateway(config, log)
    try:
        store.import_people(NEW, "test")
        process.send_signal(signal.SIGHUP)
        wait_for_event(log, "roster-reloaded")
    finally:
        assert stop_gateway(process) == 0
    reloaded = next(e for e in events_of(log) if e.get("event") == "roster-reloaded")
    assert reloaded["people"] == {"student": 1, "staff": 0, "guardian": 0}
    assert reloaded["roster_version"] != reloaded["previous"]
