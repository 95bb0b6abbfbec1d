"""The whole path in headless Chromium: the real gateway (SMTP on loopback) takes an IEP to a
parent's webmail under a policy that encrypts it through the portal; the notice arrives at a
real SMTP sink; the browser opens its link, asks for a code, reads it from the second mail at
the sink, reads the message, downloads the attachment (same bytes) and replies; the reply
arrives at the sender through the gateway's delivery code. Then the link expires, a revoked
link fails (revoked with the ``dlp portal revoke`` command), and the audit records are there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlp.portal.app import create_portal_app
from dlp.quarantine.records import Status
from dlp.settings import Settings, load_settings
from tests.gateway.harness import REPO, RunningGateway
from tests.gateway.sink import Sink, free_port
from tests.portal.conftest import (
    ATTACHMENT,
    PARENT,
    SENDER,
    Clock,
    iep_message,
    portal_policy,
)

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium (apt-get install chromium) for the browser test",
)


def _settings(tmp: Path, sink: Sink, portal_port: int) -> Path:
    policy = portal_policy(tmp)
    (tmp / "quarantine.key").write_text("00" * 32)
    config = tmp / "gateway.toml"
    config.write_text(
        f"""
[policy]
file = "{policy.source}"
[detection]
secret_file = "secret.key"
[quarantine]
url = "sqlite:///quarantine.db"
key_file = "quarantine.key"
folder = "held"
[audit]
file = "audit.log"
[gateway]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
workers = 1
scan_timeout = 20
drain_seconds = 10
[delivery]
next_hop = "127.0.0.1:{sink.port}"
tls = "none"
timeout = 10
[web]
public_url = "http://127.0.0.1:{portal_port}"
[portal]
phrase = "Bulldogs read every day"
"""
    )
    return config


def _wait(condition, what: str, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _mail(sink: Sink, to: str, subject: str) -> str | None:
    import email
    import email.policy

    for item in reversed(sink.received):
        if to in item.recipients:
            parsed = email.message_from_bytes(item.data, policy=email.policy.default)
            if subject in str(parsed["Subject"]):
                return f"Subject: {parsed['Subject']}\nReply-To: {parsed['Reply-To']}\n" + (
                    parsed.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
                )
    return None


class PortalServer:
    def __init__(self, settings: Settings, port: int, clock: Clock) -> None:
        import uvicorn

        from dlp.commands.portal import build
        from dlp.quarantine.wiring import open_store

        self.store = open_store(settings, {})
        self.service = build(settings, self.store)
        self.service.clock = clock
        config = uvicorn.Config(
            create_portal_app(self.service),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> PortalServer:
        self.thread.start()
        _wait(lambda: self.server.started, "the portal to start", 10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.store.close()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[RunningGateway, Sink, PortalServer, Path, Clock]]:
    clock = Clock()
    port = free_port()
    with Sink() as sink:
        config = _settings(tmp_path, sink, port)
        settings = load_settings(config)
        with RunningGateway(settings) as gateway, PortalServer(settings, port, clock) as portal:
            yield gateway, sink, portal, config, clock


def test_gateway_notice_code_message_attachment_reply_expiry_revocation(running) -> None:  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    gateway, sink, portal, config, clock = running
    raw = iep_message()
    code, reply = gateway.send(raw, SENDER, [PARENT])
    assert code == 250, reply
    notice = _wait(lambda: _mail(sink, PARENT, "Secure message"), "the notice at the sink")
    assert "20231234" not in notice and "****1234" in notice
    [link] = set(re.findall(r"http://127\.0\.0\.1:\d+/pickup/[A-Za-z0-9_-]{43}", notice))
    assert all(PARENT not in item.recipients or raw not in item.data for item in sink.received)
    [held] = portal.store.search()
    assert held.status is Status.PICKUP and held.recipients == (PARENT,)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(accept_downloads=True)
            page.goto(link)
            assert "sent you a secure message" in page.inner_text("main")
            page.click("text=Send me a code")
            the_code = _wait(lambda: _mail(sink, PARENT, "one-time code"), "the code mail")
            digits = re.search(r"\b(\d{6})\b", the_code).group(1)  # type: ignore[union-attr]
            page.fill("#code", digits)
            page.click("text=Open the message")
            page.wait_for_url(f"{link}/message")
            assert "Student ID: 20231234" in page.inner_text("#body")
            assert "Draft IEP" in page.inner_text("#subject")

            with page.expect_download() as waiting:
                page.click("text=Download IEP draft.txt")
            download = waiting.value
            assert Path(download.path()).read_bytes() == ATTACHMENT
            assert download.suggested_filename == "IEP draft.txt"

            page.fill("#reply", "Thank you. We will be at the meeting on the 12th.")
            page.click("text=Send reply")
            page.wait_for_url(f"{link}/message?sent=1")
            assert "Your reply was sent." in page.inner_text("main")
            answer = _wait(lambda: _mail(sink, SENDER, "Re: Draft IEP"), "the reply at the sink")
            assert f"Reply-To: {PARENT}" in answer and "meeting on the 12th" in answer
            [delivered] = [r for r in sink.received if b"meeting on the 12th" in r.data]
            assert delivered.sender == "secure-messages@cusd.com"

            page.click("text=Español")
            assert "Responder de forma segura" in page.inner_text("main")

            # Expired: the link fails, in the browser too.
            clock.now += 15 * 86_400
            page.goto(link)
            assert "venció" in page.inner_text("main") or "expired" in page.inner_text("main")
            clock.now -= 15 * 86_400

            # Revoked, by the command a reviewer runs.
            revoked = subprocess.run(
                [sys.executable, "-m", "dlp", "portal", "revoke", held.id, "--config", str(config)],
                cwd=REPO,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                timeout=120,
            )
            assert revoked.returncode == 0, revoked.stderr
            assert "1 link(s) revoked" in revoked.stdout
            page.goto(f"{link}/message?lang=en")
            assert "withdrew this message" in page.inner_text("main")
        finally:
            browser.close()

    entries = [json.loads(line) for line in (config.parent / "audit.log").read_text().splitlines()]
    events = [entry["event"] for entry in entries]
    for event in (
        "portal-deposit",
        "portal-code-sent",
        "portal-signed-in",
        "portal-view",
        "portal-download",
        "portal-reply",
        "portal-expired-link",
        "portal-revoke",
        "portal-revoked-link",
    ):
        assert event in events, event
    assert all(
        entry.get("held_id") == held.id for entry in entries if entry["event"] == "portal-view"
    )
    assert "20231234" not in (config.parent / "audit.log").read_text()
