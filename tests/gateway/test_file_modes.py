"""What the gateway creates is its user's only, and `dlp gateway --check` fails on a key, the
database or the secret that others may read (issue 16: run as root, the quarantine database
was left world-readable)."""

from __future__ import annotations

import os
import smtplib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.harness import REPO
from tests.gateway.sink import free_port
from tests.gateway.test_command import dlp, start_gateway, stop_gateway

HELD = b"Subject: roster\r\n\r\nSSN 536-22-1234, student ID: 20231234, IEP.\r\n"


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask a root shell or a plain service usually has: files 0644, folders 0755."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_is_created_private_and_check_reports_loosened_modes(
    tmp_path: Path, loose_umask: None
) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nfolder = "state/delivered"\n'
        '[detection]\nsecret_file = "state/secret.key"\n'
        '[quarantine]\nurl = "sqlite:///state/quarantine.db"\nkey_file = "state/quarantine.key"\n'
        '[audit]\nfile = "log/audit.log"\n'
    )
    process = start_gateway(config, tmp_path / "log.jsonl")
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("teacher@cusd.com", ["parent@gmail.com"], HELD)
    finally:
        assert stop_gateway(process) == 0
    state, logs = tmp_path / "state", tmp_path / "log"
    assert (mode(state), mode(logs)) == (0o700, 0o700)
    for name in ("secret.key", "quarantine.key", "quarantine.db"):
        assert mode(state / name) == 0o600, name
    assert mode(logs / "audit.log") == 0o600

    checked = dlp("gateway", "--config", str(config), "--check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    (state / "quarantine.db").chmod(0o644)
    state.chmod(0o755)
    checked = dlp("gateway", "--config", str(config), "--check", cwd=tmp_path)
    assert checked.returncode == 1
    assert f"unsafe: quarantine database {state / 'quarantine.db'} is mode 0644" in checked.stdout
    assert f"unsafe: folder {state} (of the digest secret) is mode 0755" in checked.stdout
    assert "ok; policy" not in checked.stdout
