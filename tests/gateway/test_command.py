"""`dlp gateway` as a real process: --check, a bad configuration, SIGHUP reload, SIGTERM stop."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from tests.gateway.harness import REPO, plain
from tests.gateway.sink import free_port


def dlp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlp", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def wait_for_event(log: Path, event: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while f'"event": "{event}"' not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def start_gateway(
    config: Path, log: Path, env: dict[str, str] | None = None, seconds: float = 60
) -> subprocess.Popen[bytes]:
    """``dlp gateway --config config`` run from the config's folder, its standard error into
    ``log``, once it listens."""
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "dlp", "gateway", "--config", str(config)],
            cwd=config.parent,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + seconds
    while "listening on" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(10)
            raise AssertionError(f"the gateway did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return process


def stop_gateway(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, and its exit status once it has drained (killed after a minute: None)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        return None


def events_of(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_check_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n')
    done = dlp("gateway", "--config", str(config), "--check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ok; policy" in done.stdout
    config.write_text("[gateway]\n\nlisten = 25\n")
    done = dlp("gateway", "--config", str(config), "--check", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"dlp: {config}:3: gateway.listen: must be a string, not int"
    assert "Traceback" not in done.stderr


def test_reload_and_stop_signals(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    original = (REPO / "samples" / "policy.toml").read_text()
    policy.write_text(original)
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "policy.toml"\n[gateway]\nlisten = "127.0.0.1:{port}"\n'
        'metrics_listen = ""\nworkers = 1\n[delivery]\nfolder = "delivered"\n'
    )
    log = tmp_path / "log.jsonl"
    process = start_gateway(config, log)
    try:
        created = (tmp_path / "var" / "secret.key").stat()
        assert created.st_mode & 0o777 == 0o600  # made on first start, said so in the log
        policy.write_text("version = [\n")
        process.send_signal(signal.SIGHUP)
        wait_for_event(log, "policy-reload-refused")
        policy.write_text(original.replace('mode = "enforce"', 'mode = "audit"'))
        process.send_signal(signal.SIGHUP)
        wait_for_event(log, "policy-reloaded")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("a@cusd.com", ["b@example.org"], plain())
    finally:
        stopped = stop_gateway(process)
    assert stopped == 0
    events = events_of(log)
    names = [event.get("event") for event in events]
    assert "key-created" in names
    assert names.index("policy-reload-refused") < names.index("policy-reloaded")
    message = next(event for event in events if event.get("event") == "message")
    assert message["verdicts"] == {"b@example.org": "deliver"}
    assert names[-1] == "stopped"
    assert len(list((tmp_path / "delivered" / "new").iterdir())) == 1


def test_a_second_gateway_without_the_quarantine_key_refuses_to_start(tmp_path: Path) -> None:
    # Two instances share one quarantine; the second was set up without a copy of the first
    # one's key file. It would make a key of its own and seal under it: refused, with why.
    port = free_port()

    def config(name: str) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
            f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
            '[delivery]\nfolder = "delivered"\n'
            f'[quarantine]\nurl = "sqlite:///{tmp_path / "shared.db"}"\nkey_file = "{name}.key"\n'
        )
        return path

    log = tmp_path / "first.jsonl"
    first = start_gateway(config("first"), log)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail(
                "teacher@cusd.com",
                ["parent@gmail.com"],
                b"Subject: test\r\n\r\nSSN 536-22-1234, student ID: 20231234, IEP.\r\n",
            )
    finally:
        stopped = stop_gateway(first)
    assert stopped == 0
    message = next(event for event in events_of(log) if event.get("event") == "message")
    assert message["verdicts"] == {"parent@gmail.com": "quarantine"}

    done = dlp("gateway", "--config", str(config("second")), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "second.key" in done.stderr
    assert "is not this quarantine's key" in done.stderr
    assert "Traceback" not in done.stderr
    # The first instance's key still opens everything the quarantine holds.
    from dlp.quarantine.crypto import load_keyring
    from dlp.quarantine.sharing import check_key
    from dlp.quarantine.store import QuarantineStore

    store = QuarantineStore.open(
        f"sqlite:///{tmp_path / 'shared.db'}", load_keyring({}, tmp_path / "first.key")
    )
    try:
        check_key(store)
    finally:
        store.close()


def test_a_gateway_whose_digest_secret_was_lost_refuses_until_the_new_one_is_adopted(
    tmp_path: Path,
) -> None:
    # The host was rebuilt without its secret file: the gateway would make a new secret, and
    # its digests would no longer match the quarantine's, the audit log's or the allow list's.
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nfolder = "delivered"\n'
    )
    assert stop_gateway(start_gateway(config, tmp_path / "first.jsonl")) == 0
    secret = tmp_path / "var" / "secret.key"
    secret.unlink()

    done = dlp("gateway", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "the digest secret in var/secret.key (fingerprint" in done.stderr
    assert "adopt-secret" in done.stderr
    assert "Traceback" not in done.stderr
    assert secret.read_bytes() not in done.stderr.encode()  # its fingerprint only

    adopted = dlp("quarantine", "--config", str(config), "adopt-secret", cwd=tmp_path)
    assert adopted.returncode == 0, adopted.stderr
    assert "no longer match" in adopted.stdout
    log = tmp_path / "second.jsonl"
    assert stop_gateway(start_gateway(config, log)) == 0
    audit = [json.loads(line) for line in (tmp_path / "var" / "audit.log").read_text().splitlines()]
    assert [entry["event"] for entry in audit if "secret" in entry["event"]] == [
        "quarantine-adopt-secret"
    ]


def test_the_first_start_says_it_compiles_and_a_cached_one_does_not(tmp_path: Path) -> None:
    """The first start was silent for some 17 s while the scanning processes compiled their
    kernels. Now they say so, as JSON lines in the gateway's own log; the second start loads
    numba's cache and says nothing about it."""
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nfolder = "delivered"\n'
    )
    cache = {"NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    said = []
    for run in ("first", "second"):
        log = tmp_path / f"{run}.jsonl"
        assert stop_gateway(start_gateway(config, log, cache, seconds=300)) == 0
        # JSON, the workers' lines too (but the one line that says where it listens).
        lines = [line for line in log.read_text().splitlines() if "listening on" not in line]
        assert all(line.startswith("{") for line in lines), lines
        said.append([e for e in events_of(log) if "compiling" in str(e.get("message", ""))])
    first, second = said
    assert [e["message"] for e in first] == [
        "dlp: compiling the spreadsheet kernel (first run only)..."
    ]
    assert first[0]["level"] == "warning" and first[0]["logger"] == "dlp.jit"
    assert second == []
