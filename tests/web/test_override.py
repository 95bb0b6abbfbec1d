"""The sender's override, end to end: the real gateway on loopback holds an IEP to a parent's
webmail; the notice at a real SMTP sink carries the override link; headless Chromium opens it,
asks for a code, reads it from the second mail at the sink, types a justification and releases
the message, which arrives at the sink through the gateway's delivery code; the audit log, the
disclosure record and the alert say so. Then: the link cannot be used twice, an expired link
fails, wrong codes lock the link, the per-day limit holds, a form without its token is refused,
and a rule that is not overridable gives no link."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlp.actions.disclosures import Basis, DisclosureNote
from dlp.portal.override import OverrideService
from dlp.portal.service import Refused
from dlp.quarantine.records import Status
from dlp.quarantine.store import QuarantineStore
from dlp.settings import Settings, load_settings
from tests.gateway.harness import RunningGateway
from tests.gateway.sink import Sink, free_port
from tests.portal.conftest import PARENT, SENDER, Clock, iep_message

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
SAMPLE_POLICY = Path(__file__).resolve().parents[2] / "samples" / "policy.toml"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/override/[A-Za-z0-9_-]{43}")
REASON = "The parent asked for the draft before Thursday's IEP meeting; they have no portal login."


def _policy(tmp: Path, overridable: bool) -> Path:
    """The sample policy; with ``overridable``, every rule that holds is marked overridable."""
    text = SAMPLE_POLICY.read_text()
    if overridable:
        text = text.replace("overridable = true\n", "").replace(
            'action = "quarantine"\n', 'action = "quarantine"\noverridable = true\n'
        )
    path = tmp / "policy.toml"
    path.write_text(text)
    (tmp / "certs").mkdir(exist_ok=True)
    return path


def _settings(tmp: Path, sink: Sink, port: int, overridable: bool, per_day: int) -> Settings:
    policy = _policy(tmp, overridable)
    (tmp / "quarantine.key").write_text("00" * 32)
    config = tmp / "gateway.toml"
    config.write_text(
        f"""
[policy]
file = "{policy}"
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
notice_from = "dlp@cusd.com"
[delivery]
next_hop = "127.0.0.1:{sink.port}"
tls = "none"
timeout = 10
[web]
public_url = "http://127.0.0.1:{port}"
override_per_day = {per_day}
[alerts]
email = ["security@cusd.com"]
"""
    )
    return load_settings(config)


def _wait(condition, what: str, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _mails(sink: Sink, to: str, subject: str) -> list[str]:
    import email
    import email.policy

    found = []
    for item in sink.received:
        if to in item.recipients:
            parsed = email.message_from_bytes(item.data, policy=email.policy.default)
            if subject in str(parsed["Subject"]):
                body = parsed.get_body(preferencelist=("plain",))
                found.append(body.get_content() if body is not None else "")  # type: ignore[union-attr]
    return found


def _code(sink: Sink, count: int) -> str:
    mails = _wait(
        lambda: (m := _mails(sink, SENDER, "one-time code")) and len(m) >= count and m, "the code"
    )
    return re.search(r"\b(\d{6})\b", mails[-1]).group(1)  # type: ignore[union-attr]


class WebServer:
    """`dlp web` as `dlp web serve` builds it, in this process (for its clock)."""

    def __init__(self, settings: Settings, port: int, clock: Clock) -> None:
        import uvicorn

        from dlp.commands.web import _override
        from dlp.quarantine.wiring import build_triage, open_store
        from dlp.web.accounts import Accounts
        from dlp.web.app import create_app

        self.store: QuarantineStore = open_store(settings, {})
        self.triage = build_triage(settings, self.store, env={})
        service = _override(settings, self.store, self.triage)
        assert isinstance(service, OverrideService)
        service.clock = clock
        self.service = service
        app = create_app(self.triage, Accounts(self.store), override=service)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> WebServer:
        self.thread.start()
        _wait(lambda: self.server.started, "dlp web to start", 10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.store.close()


@dataclass
class Running:
    gateway: RunningGateway
    sink: Sink
    web: WebServer
    clock: Clock
    folder: Path

    def hold(self, tag: str) -> tuple[str, str]:
        """Send an IEP through the gateway; (the held id, the notice's text)."""
        before = len(_mails(self.sink, SENDER, ""))
        code, reply = self.gateway.send(iep_message(tag=tag), SENDER, [PARENT])
        assert code == 250, reply
        _wait(lambda: len(_mails(self.sink, SENDER, "")) > before, "the notice at the sink")
        held = [m for m in self.web.store.search() if m.message_id == f"<iep-{tag}@cusd.com>"]
        assert len(held) == 1 and held[0].status is Status.HELD
        return held[0].id, _mails(self.sink, SENDER, "")[-1]

    def audit(self) -> list[dict[str, object]]:
        lines = (self.folder / "audit.log").read_text().splitlines()
        return [json.loads(line) for line in lines]


def _running(tmp: Path, overridable: bool, per_day: int) -> Iterator[Running]:
    clock = Clock()
    port = free_port()
    with Sink() as sink:
        settings = _settings(tmp, sink, port, overridable, per_day)
        with RunningGateway(settings) as gateway, WebServer(settings, port, clock) as web:
            yield Running(gateway, sink, web, clock, tmp)


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    monkeypatch.chdir(tmp_path)
    yield from _running(tmp_path, True, 2)


def _post(url: str, fields: dict[str, str], cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(fields).encode(), method="POST"
    )
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium for the browser test")
def test_sender_overrides_in_chromium_and_the_message_is_delivered(running: Running) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    held_id, notice = running.hold("1")
    assert "20231234" not in notice
    [link] = set(LINK.findall(notice))
    assert not any(PARENT in item.recipients for item in running.sink.received)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(link)
            assert "Release your held message" in page.inner_text("main")
            page.click("#ask-code")
            page.fill("#code", _code(running.sink, 1))
            page.click("#check-code")
            page.fill("#justification", REASON)
            page.click("#release")
            assert "Released" in page.inner_text("#outcome")
            # Single use: the same link, again, in the browser.
            page.goto(link)
            assert "already used" in page.inner_text("main")
        finally:
            browser.close()

    [delivered] = [item for item in running.sink.received if PARENT in item.recipients]
    assert (
        b"Student ID: 20231234" in delivered.data and b"X-DLP-Verdict: released" in delivered.data
    )
    assert running.web.store.get(held_id).status is Status.RELEASED
    events = running.audit()
    [override] = [e for e in events if e["event"] == "quarantine-override"]
    assert override["held_id"] == held_id and override["note"] == REASON
    assert override["actor"] == f"sender:{SENDER}" and override["outcome"] == "released"
    for event in ("override-offered", "override-code-sent", "override-signed-in"):
        assert event in [e["event"] for e in events], event
    assert "20231234" not in (running.folder / "audit.log").read_text()
    # The alert to security staff, at once.
    alert = _wait(lambda: _mails(running.sink, "security@cusd.com", "[DLP alert]"), "the alert")
    assert "sender-override" in alert[-1] and "20231234" not in alert[-1]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium for the browser test")
def test_wrong_codes_lock_the_link_and_expired_links_fail(running: Running) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    _, notice = running.hold("2")
    [link] = set(LINK.findall(notice))
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(link)
            page.click("#ask-code")
            good = _code(running.sink, 1)
            wrong = f"{(int(good) + 1) % 1_000_000:06d}"
            for _ in range(4):
                page.fill("#code", wrong)
                page.click("#check-code")
                assert "not right" in page.inner_text("main")
            page.fill("#code", wrong)
            page.click("#check-code")
            assert "Too many wrong codes" in page.inner_text("main")
            # Locked: even the good code no longer works.
            page.goto(link)
            page.click("#ask-code")
            assert "Too many wrong codes" in page.inner_text("main")
            running.clock.now += 73 * 3600  # past the link's 72 hours
            page.goto(link)
            assert "expired" in page.inner_text("main")
        finally:
            browser.close()
    events = [e["event"] for e in running.audit()]
    assert "override-lockout" in events and "override-expired-link" in events


def test_forms_without_their_token_are_refused(running: Running) -> None:
    _, notice = running.hold("3")
    [link] = set(LINK.findall(notice))
    status, _ = _post(f"{link}/code", {"csrf": "forged"}, "__Host-dlp-override-form=other")
    assert status == 403
    status, _ = _post(f"{link}/code", {})
    assert status == 403
    assert not _mails(running.sink, SENDER, "one-time code")
    status, page = _post(f"{link}/release", {"csrf": "x", "justification": REASON})
    assert status == 401 and "code from your mailbox" in page


def test_the_daily_limit_per_sender(running: Running) -> None:
    service = running.web.service
    for tag, expected in (("4", None), ("5", None), ("6", "limit")):
        _, notice = running.hold(tag)
        [link] = set(LINK.findall(notice))
        token = link.rsplit("/", 1)[1]
        count = len(_mails(running.sink, SENDER, "one-time code"))
        service.request_code(token, "127.0.0.1")
        opened, _, _ = service.verify(token, _code(running.sink, count + 1), "127.0.0.1")
        if expected is None:
            assert not service.release(opened, REASON, "127.0.0.1").pending
        else:
            with pytest.raises(Refused) as refused:
                service.release(opened, REASON, "127.0.0.1")
            assert refused.value.key == "limit"
            assert running.web.store.get(opened.link.held_id).status is Status.HELD
    # A day later, the sender may again.
    running.clock.now += 86_400 + 1
    assert not service.release(service.open(token, "127.0.0.1"), REASON, "x").pending


def test_a_rule_that_is_not_overridable_gives_no_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for running in _running(tmp_path, False, 3):
        held_id, notice = running.hold("7")
        assert "/override/" not in notice and "held for review" in notice
        assert "override-offered" not in [e["event"] for e in running.audit()]
        assert running.web.store.get(held_id).status is Status.HELD


def test_an_override_is_recorded_with_its_basis_and_justification() -> None:
    """What `Triage.release(..., override=True)` hands the action step: with a roster, each
    student's entry says "override" and carries the sender's justification."""
    decision = {
        "roster_version": "v1",
        "disclosure": {"students": ["s-digest"], "categories": ["SPECIAL_EDUCATION"]},
        "recipients": [{"address": PARENT, "kind": "external", "intended": "quarantine"}],
    }
    entries = DisclosureNote(decision, "<m@x>", REASON, override=True).entries([PARENT], 1)
    assert [(e.basis, e.detail, e.recipient) for e in entries] == [(Basis.OVERRIDE, REASON, PARENT)]
    released = DisclosureNote(decision, "<m@x>", REASON).entries([PARENT], 1)
    assert [e.basis for e in released] == [Basis.RELEASE]
