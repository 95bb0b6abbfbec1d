"""One end-to-end flow in headless Chromium against the real server on 127.0.0.1:
sign in, the queue, the message page (findings highlighted and masked), release with a note;
the released message arrives at a real SMTP sink. Also checks that Chromium keeps the Secure
session cookie over plain http://127.0.0.1 (the reason the loopback default needs no TLS)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dlp.quarantine.records import Status
from tests.ports import free_port as _free_port
from tests.web.conftest import MESSAGE, OUTSIDE, PASSWORD, SENDER

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium (apt-get install chromium) for the browser test",
)


@pytest.fixture
def server(site):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        site.app, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def test_login_queue_message_release_in_chromium(site, server, held_decision, held_scan):
    sync_api = pytest.importorskip("playwright.sync_api")
    held = site.hold(held_decision, held_scan)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/")
            assert page.url == f"{server}/login"  # anonymous: sent to sign in
            page.fill("input[name=username]", "rita")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/")
            cookies = {c["name"]: c for c in page.context.cookies()}
            session = cookies["__Host-dlp-session"]
            assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"

            link = page.locator(f"a[href='/messages/{held}']")
            assert link.count() == 1
            assert "secrets-outside" in page.inner_text("table.queue")
            link.click()
            page.wait_for_url(f"{server}/messages/{held}")
            marks = page.locator("td.context mark").all_inner_texts()
            assert marks[:3] == ["***-**-1234", "**/**/****", "***-**-5678"]
            body = page.inner_text("body")
            assert "536-22-1234" not in body and "AR7203.K.4" in body
            assert "quarantine-view" in page.inner_text("table.history")

            page.fill("#release-form input[name=note]", "Approved by the principal")
            page.click("#release")
            page.wait_for_url(f"{server}/messages/{held}?done=released")
            assert page.inner_text("#status").startswith("released")
        finally:
            browser.close()
    [received] = site.sink.received
    assert received.recipients == [OUTSIDE] and received.data.endswith(MESSAGE)
    assert site.store.get(held).status is Status.RELEASED
    events = [(e["event"], e.get("actor")) for e in site.triage.audit.entries()]
    assert ("web-login", "rita") in events and ("quarantine-release", "rita") in events


def _many_ssns(count: int) -> bytes:
    lines = [f"Row {n}: student SSN 536-22-{n:04d}" for n in range(1, count + 1)]
    return MESSAGE.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + "\r\n".join(lines).encode() + b"\r\n"


def test_findings_pages_in_chromium(site, server, scanner, policy):
    sync_api = pytest.importorskip("playwright.sync_api")
    from dlp.pipeline import scan_message
    from dlp.policy import decide

    raw = _many_ssns(450)
    scan = scan_message(raw, scanner)
    assert len(scan.findings) >= 450
    held = site.hold(decide(policy, SENDER, [OUTSIDE], scan), scan, raw)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "rita")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/")
            page.goto(f"{server}/messages/{held}")

            def positions() -> list[int]:
                cells = page.locator("table.findings tbody tr td:first-child").all_inner_texts()
                return [int(cell) for cell in cells]

            assert positions() == list(range(200))
            assert page.locator(".findings-previous").count() == 0
            page.locator("#findings-pages-top .findings-next").click()
            page.wait_for_url(f"{server}/messages/{held}?findings=1")
            assert positions() == list(range(200, 400))
            page.locator("#findings-pages-bottom .findings-next").click()
            page.wait_for_url(f"{server}/messages/{held}?findings=2")
            assert positions() == list(range(400, len(scan.findings)))
            assert page.locator(".findings-next").count() == 0
            page.locator("#findings-pages-top .findings-previous").click()
            page.wait_for_url(f"{server}/messages/{held}?findings=1")
            assert positions()[0] == 200
            assert "***-**-0201" in page.inner_text("table.findings")
            assert "536-22-0201" not in page.inner_text("body")
        finally:
            browser.close()
