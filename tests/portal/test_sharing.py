"""Two hosts on one PostgreSQL quarantine: a pickup deposited by one is served by the other,
and wrong codes tried on both count toward one lockout."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal

from tests.gateway.sink import Sink
from tests.portal.conftest import Clock, build_portal, csrf_of
from tests.quarantine.conftest import postgres_schema_url

schema_url = contextmanager(postgres_schema_url.__wrapped__)  # type: ignore[attr-defined]

pytestmark = pytest.mark.postgres


def test_hosts_sharing_postgres_serve_each_others_pickups(tmp_path: Path, scanner: object) -> None:
    with schema_url() as url:
        _serve_each_other(url, tmp_path, scanner)


def _serve_each_other(postgres_schema_url: str, tmp_path: Path, scanner: object) -> None:
    clock = Clock()
    with Sink() as sink, start_blocking_portal() as runner:
        first = build_portal(postgres_schema_url, tmp_path, sink, runner, scanner, clock)
        second = build_portal(postgres_schema_url, tmp_path, sink, runner, scanner, clock)
        try:
            held_id, token = first.deposit()
            # The other host serves it, with the code the first host's mail carried.
            browser = second.sign_in(token)
            page = browser.get(f"/pickup/{token}/message")
            assert page.status_code == 200 and "Student ID: 20231234" in page.text
            # And the first host honours the second's session: sessions live in the database.
            assert first.client().get(f"/pickup/{token}/message").status_code == 401
            first_browser = first.client()
            first_browser.http.cookies = browser.http.cookies
            assert first_browser.get(f"/pickup/{token}/message").status_code == 200

            # Wrong codes on alternating hosts: one count, one lockout.
            hosts = [first.client(), second.client()]
            forms = [host.get(f"/pickup/{token}") for host in hosts]
            forms = [
                host.post(f"/pickup/{token}/code", data={"csrf": csrf_of(form.text)})
                for host, form in zip(hosts, forms, strict=True)
            ]
            right = first.code()
            wrong = f"{(int(right) + 1) % 1_000_000:06d}"
            statuses = []
            for attempt in range(5):
                index = attempt % 2
                forms[index] = hosts[index].post(
                    f"/pickup/{token}/verify",
                    data={"csrf": csrf_of(forms[index].text), "code": wrong},
                )
                statuses.append(forms[index].status_code)
            assert statuses == [403, 403, 403, 403, 429]
            assert first.service.revoke(held_id, "rita", "cli") == 1
            assert second.client().get(f"/pickup/{token}").status_code == 410
        finally:
            first.store.close()
            second.store.close()
