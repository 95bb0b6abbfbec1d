"""The real web application over a real SQLite quarantine, audit log and SMTP sink."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from argon2 import PasswordHasher

from dlp.audit import AuditLog
from dlp.delivery import NextHop, TlsMode, deliver
from dlp.quarantine.release import RejectNotice, Releaser
from dlp.quarantine.store import QuarantineStore
from dlp.quarantine.triage import Triage
from dlp.web.accounts import Accounts, Role
from dlp.web.app import create_app
from tests.gateway.sink import Sink
from tests.quarantine.conftest import (  # noqa: F401  (fixtures)
    KEY,
    MESSAGE,
    OUTSIDE,
    SENDER,
    held_decision,
    held_scan,
    policy,
)

PASSWORD = "correct horse battery staple"
USERS = {"vera": Role.VIEWER, "rita": Role.REVIEWER, "adam": Role.ADMIN}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class Client:
    """A synchronous HTTP client for the ASGI app (httpx's ASGI transport on an anyio portal).

    Starlette's own TestClient now asks for another package; this is the same idea in a few
    lines. The base URL is https: the session cookie is Secure, and httpx honours that."""

    def __init__(self, app: object, portal: BlockingPortal, address: str = "192.0.2.7") -> None:
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
class Site:
    app: object
    store: QuarantineStore
    triage: Triage
    accounts: Accounts
    sink: Sink
    audit_path: Path
    portal: BlockingPortal

    def client(self, address: str = "192.0.2.7") -> Client:
        return Client(self.app, self.portal, address)

    def hold(self, decision, scan, raw: bytes = MESSAGE) -> str:
        return self.store.hold(raw, SENDER, [OUTSIDE], decision, scan, "<roster-1@cusd.com>")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    store = QuarantineStore.open(f"sqlite:///{tmp_path / 'quarantine.db'}", KEY)
    audit_path = tmp_path / "audit.log"
    with Sink() as sink:
        target = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10)
        triage = Triage(
            store,
            AuditLog(audit_path),
            Releaser(deliver, target),
            RejectNotice(deliver, target, "postmaster@cusd.com", "Clovis Unified"),
        )
        # Still argon2id, with costs small enough for a test run.
        accounts = Accounts(store, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        for name, role in USERS.items():
            accounts.put(name, PASSWORD, role)
        with start_blocking_portal() as portal:
            yield Site(
                create_app(triage, accounts), store, triage, accounts, sink, audit_path, portal
            )
    store.close()


def login(site: Site, username: str, password: str = PASSWORD) -> Client:
    """A client signed in as ``username``."""
    browser = site.client()
    page = browser.get("/login")
    response = browser.post(
        "/login",
        data={"csrf": csrf_of(page.text), "username": username, "password": password},
    )
    assert response.status_code == 303, response.text
    return browser
