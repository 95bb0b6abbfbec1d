"""deploy/: the systemd units parse and confine the programs to the folders the sample
/etc/dlp/gateway.toml writes to; logrotate leaves the audit log alone; the gateway tells
systemd when it listens."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dlp.settings import Settings, parse_settings
from tests.gateway.harness import REPO
from tests.gateway.postfix_doc import DOC
from tests.gateway.sink import free_port
from tests.gateway.test_command import stop_gateway

DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SERVICES = ("dlp-gateway.service", "dlp-web.service")


def unit_values(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def sample_settings() -> Settings:
    path = DEPLOY / "etc-dlp" / "gateway.toml"
    return parse_settings(path.read_text(), "/etc/dlp/gateway.toml", Path("/etc/dlp"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_units_parse(tmp_path: Path) -> None:
    # The one substitution: /opt/dlp/bin/dlp (not installed here) becomes an executable.
    for unit in UNITS:
        (tmp_path / unit.name).write_text(
            unit.read_text().replace("/opt/dlp/bin/dlp", shutil.which("true") or "/bin/true")
        )
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_a_confined_dedicated_user(name: str) -> None:
    values = unit_values(name)
    for key, expected in (
        ("User", "dlp"),
        ("UMask", "0077"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("CapabilityBoundingSet", ""),
        ("StateDirectoryMode", "0700"),
    ):
        assert values.get(key) == [expected], key
    writable = [Path(path) for path in values["ReadWritePaths"][0].split()]
    settings = sample_settings()
    assert settings.quarantine.url.startswith("sqlite:///")
    for path in (
        settings.detection.secret_file,
        settings.quarantine.key_file,
        Path(settings.quarantine.url.removeprefix("sqlite:///")),
        settings.audit_file,
    ):
        assert path is not None and any(path.is_relative_to(folder) for folder in writable)
    assert all("/etc/dlp/gateway.toml" in line for line in values["ExecStart"])


def test_the_sample_matches_the_doc_and_postfix() -> None:
    settings = sample_settings()
    doc = DOC.read_text()
    size = re.search(r"message_size_limit = (\d+)", doc)
    assert size is not None and settings.gateway.max_message_bytes == int(size.group(1))
    assert f"{settings.gateway.listen.host}:{settings.gateway.listen.port}" == "127.0.0.1:10025"
    block = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert block is not None
    documented = parse_settings(block.group(1), "/etc/dlp/gateway.toml", Path("/etc/dlp"))
    assert documented.quarantine == settings.quarantine
    assert documented.detection.secret_file == settings.detection.secret_file
    assert documented.audit_file == settings.audit_file
    assert documented.delivery == settings.delivery


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="no logrotate")
def test_logrotate_rotates_the_plain_log_and_never_the_audit_log(tmp_path: Path) -> None:
    snippet = (DEPLOY / "logrotate" / "dlp").read_text()
    rules = [line for line in snippet.splitlines() if not line.lstrip().startswith("#")]
    assert not any("audit" in line for line in rules)  # named only in the comments
    assert "dlp audit --config /etc/dlp/gateway.toml rotate" in snippet
    assert "dlp-audit-rotate.timer" in snippet
    # Substitutions: the log folder, and root for the dlp user (there is none here).
    logs = tmp_path / "log"
    logs.mkdir(mode=0o700)
    (logs / "gateway.log").write_text('{"event": "message"}\n')
    (logs / "audit.log").write_text('{"seq": 1}\n')
    config = tmp_path / "dlp"
    config.write_text(
        snippet.replace("/var/log/dlp", str(logs)).replace("su dlp dlp", "su root root")
    )
    config.chmod(0o644)
    done = subprocess.run(
        ["logrotate", "-f", "-s", str(tmp_path / "state"), str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (logs / "gateway.log.1").read_text() == '{"event": "message"}\n'
    assert (logs / "gateway.log").read_text() == ""
    assert (logs / "audit.log").read_text() == '{"seq": 1}\n'
    assert sorted(path.name for path in logs.iterdir()) == [
        "audit.log",
        "gateway.log",
        "gateway.log.1",
    ]


def test_the_gateway_tells_systemd_when_it_listens(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nfolder = "delivered"\n'
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(tmp_path / "notify"))
        notify.settimeout(90)
        process = subprocess.Popen(
            [sys.executable, "-m", "dlp", "gateway", "--config", str(config)],
            cwd=tmp_path,
            env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")},
            stderr=subprocess.DEVNULL,
        )
        try:
            assert notify.recv(100) == b"READY=1"
            # Ready means listening: the port takes a connection now.
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        finally:
            assert stop_gateway(process) == 0
