"""The real portal over a real quarantine (SQLite, or PostgreSQL when reachable), a real audit
log and a real SMTP sink as the next hop; HTTP through httpx's ASGI transport."""

from __future__ import annotations

import email
import email.policy
import functools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from dlp.actions.outbox import Outbox
from dlp.actions.step import ActionStep
from dlp.audit import AuditLog
from dlp.delivery import NextHop, TlsMode, deliver
from dlp.policy import decide, load_policy
from dlp.policy.config import Policy
from dlp.portal.app import create_portal_app
from dlp.portal.deposit import PickupDrop
from dlp.portal.links import PortalLinks
from dlp.portal.notice import Mailer, NoticeTemplates
from dlp.portal.service import PickupService, PortalRules
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import bind
from dlp.quarantine.store import QuarantineStore
from tests.gateway.sink import Sink
from tests.quarantine.conftest import KEY, SAMPLE_POLICY

SENDER = "mlopez@cusd.com"
PARENT = "parent.jones1984@gmail.com"
PUBLIC_URL = "https://pickup.cusd.example"
PHRASE = "Bulldogs read every day"
ATTACHMENT = (
    "Borrador del IEP: metas de lectura, adaptaciones (tiempo extendido), niño.\n".encode() * 40
)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_CODE = re.compile(r"\b(\d{6})\b")


def iep_message(student_id: str = "20231234", tag: str = "1") -> bytes:
    """An IEP with a student ID, and the draft attached as a PDF, to a parent's webmail."""
    message = email.message.EmailMessage()
    message["From"] = f"Maria Lopez <{SENDER}>"
    message["To"] = PARENT
    message["Subject"] = f"Draft IEP, Student ID: {student_id}"
    message["Message-ID"] = f"<iep-{tag}@cusd.com>"
    message.set_content(
        "Dear Mr. Jones,\n\nAttached is the draft of Jordan Jones's Individualized Education "
        f"Program (IEP) for the annual review. Student ID: {student_id}.\nPresent levels: "
        "Jordan qualifies under specific learning disability; accommodations include "
        "extended time. Special education services start in March.\n"
    )
    message.add_attachment(
        ATTACHMENT, maintype="application", subtype="octet-stream", filename="IEP draft.txt"
    )
    return message.as_bytes(policy=email.policy.SMTP)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class Client:
    def __init__(self, app: object, portal: BlockingPortal, address: str = "198.51.100.9") -> None:
        self.portal = portal
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 50000)),  # type: ignore[arg-type]
            base_url="https://testserver",
            follow_redirects=False,
        )

    def get(self, url: str, **options: object) -> httpx.Response:
        return self.portal.call(functools.partial(self.http.get, url, **options))

    def post(self, url: str, **options: object) -> httpx.Response:
        return self.portal.call(functools.partial(self.http.post, url, **options))


@dataclass
class Clock:
    # Starts at the real time: the store dates a message by the real clock.
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class Portal:
    store: QuarantineStore
    service: PickupService
    drop: PickupDrop
    sink: Sink
    audit_path: Path
    app: object
    runner: BlockingPortal
    policy: Policy
    clock: Clock
    scanner: object
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, address: str = "198.51.100.9") -> Client:
        return Client(self.app, self.runner, address)

    def deposit(self, raw: bytes | None = None, tag: str = "1") -> tuple[str, str]:
        """The message sealed for the parent, as the gateway does; (its id, the link's token
        read from the notice that arrived at the sink)."""
        from dlp.pipeline import scan_message

        raw = raw or iep_message(tag=tag)
        scan = scan_message(raw, self.scanner)  # type: ignore[arg-type]
        decision = decide(self.policy, SENDER, [PARENT], scan)
        deposited = self.drop.deposit(raw, SENDER, [PARENT], decision, scan, f"<iep-{tag}>", tag)
        for queued in deposited.queued:
            self.drop.step.attempt(queued)
        notice = self.last_mail(PARENT, "Secure message")
        return deposited.held_id, token_of(notice)

    def links_of(self, held_id: str, purpose: object) -> list[object]:
        return [link for link in self.service.links.for_message(held_id) if link.purpose == purpose]

    def mails(self, to: str) -> list[email.message.EmailMessage]:
        found = []
        for item in self.sink.received:
            if to in item.recipients:
                parsed = email.message_from_bytes(item.data, policy=email.policy.default)
                assert isinstance(parsed, email.message.EmailMessage)
                found.append(parsed)
        return found

    def last_mail(self, to: str, subject: str) -> email.message.EmailMessage:
        matching = [mail for mail in self.mails(to) if subject in str(mail["Subject"])]
        assert matching, f"no mail to {to} with {subject!r}"
        return matching[-1]

    def code(self) -> str:
        body = self.last_mail(PARENT, "one-time code").get_content()
        found = _CODE.search(body)
        assert found
        return found.group(1)

    def audit(self) -> list[str]:
        import json

        return [json.loads(line)["event"] for line in self.audit_path.read_text().splitlines()]

    def sign_in(self, token: str, browser: Client | None = None) -> Client:
        browser = browser or self.client()
        page = browser.get(f"/pickup/{token}")
        assert page.status_code == 200, page.text
        asked = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(page.text)})
        assert asked.status_code == 200, asked.text
        done = browser.post(
            f"/pickup/{token}/verify", data={"csrf": csrf_of(asked.text), "code": self.code()}
        )
        assert done.status_code == 303, done.text
        return browser


def token_of(notice: email.message.EmailMessage) -> str:
    found = re.search(re.escape(PUBLIC_URL) + r"/pickup/([A-Za-z0-9_-]{43})", notice.get_content())
    assert found, "the notice has no pickup link"
    return found.group(1)


def portal_policy(tmp: Path) -> Policy:
    """The sample policy, with an IEP to a parent encrypted (through the portal) rather than
    held."""
    text = SAMPLE_POLICY.read_text()
    text = text.replace('without_certificate = "require_tls"', 'without_certificate = "portal"')
    for rule in ("student-record-outside", "student-non-directory-outside"):
        marker = f'name = "{rule}"'
        head, _, tail = text.partition(marker)
        text = head + marker + tail.replace('action = "quarantine"', 'action = "encrypt"', 1)
    path = tmp / "policy.toml"
    path.write_text(text)
    # relative folders (certificates) of the sample stay where they are
    (tmp / "certs").mkdir(exist_ok=True)
    return load_policy(path)


def build_portal(
    url: str, tmp: Path, sink: Sink, runner: BlockingPortal, scanner: object, clock: Clock
) -> Portal:
    store = QuarantineStore.open(url, KEY)
    target = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10)
    bound = bind(deliver, target)
    step = ActionStep(bound, Outbox(OutboxStore(store.engine), bound, clock=clock))
    audit_path = tmp / f"audit-{len(list(tmp.glob('audit-*')))}.log"
    audit = AuditLog(audit_path)
    policy = portal_policy(tmp)
    mailer = Mailer(
        f"secure-messages@{policy.internal_domains[0]}",
        policy.district_name,
        PUBLIC_URL,
        PHRASE,
        NoticeTemplates.load(None, None),
    )
    rules = PortalRules()
    links = PortalLinks(store.engine)
    service = PickupService(store, links, audit, mailer, step, rules, clock=clock)
    drop = PickupDrop(store, links, mailer, step, rules, audit, clock=clock)
    return Portal(
        store,
        service,
        drop,
        sink,
        audit_path,
        create_portal_app(service),
        runner,
        policy,
        clock,
        scanner,
    )


@pytest.fixture
def portal(tmp_path: Path, scanner: object) -> Iterator[Portal]:
    with Sink() as sink, start_blocking_portal() as runner:
        built = build_portal(
            f"sqlite:///{tmp_path / 'quarantine.db'}", tmp_path, sink, runner, scanner, Clock()
        )
        try:
            yield built
        finally:
            built.store.close()
