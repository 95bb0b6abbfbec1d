"""`dlp portal` in its own process: it serves, and believes X-Forwarded-For only from the
proxies [web] trusted_proxies names (the address its audit entries and limits use)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.gateway.harness import REPO
from tests.gateway.sink import free_port


def _settings(tmp: Path, web: str) -> Path:
    (tmp / "quarantine.key").write_text("00" * 32)
    config = tmp / "gateway.toml"
    config.write_text(
        f"""[policy]
file = "{REPO / "samples" / "policy.toml"}"
[detection]
secret_file = "secret.key"
[quarantine]
url = "sqlite:///quarantine.db"
key_file = "quarantine.key"
[audit]
file = "audit.log"
[web]
public_url = "https://pickup.cusd.example"
{web}
"""
    )
    return config


@pytest.mark.parametrize(
    ("proxies", "seen"),
    [("", "127.0.0.1"), ('trusted_proxies = ["127.0.0.0/8"]', "203.0.113.5")],
    ids=["no-proxy", "loopback-is-the-proxy"],
)
def test_portal_serves_and_believes_forwarded_for_only_from_a_proxy(
    tmp_path: Path, proxies: str, seen: str
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "dlp", "portal", "--config", str(_settings(tmp_path, proxies))]
    server = subprocess.Popen(
        [*command, "--listen", f"127.0.0.1:{port}"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert b"Open the link" in page.read()
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "dlp portal did not start serving"
                time.sleep(0.2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            answer = http.get("/pickup/" + "x" * 43, headers={"X-Forwarded-For": "203.0.113.5"})
            assert answer.status_code == 404
            # Staff triage is not there at all.
            assert http.get("/login").status_code == 404
            assert http.get("/messages").status_code == 404
    finally:
        server.terminate()
        server.wait(20)
        if server.stderr:
            server.stderr.close()
    entries = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [e["client"] for e in entries if e["event"] == "portal-bad-link"] == [seen]
