"""The whole role matrix: viewer, reviewer and admin against every route of the web app.

Each row names a route, the least role it needs, what a successful request returns, and what it
changes; each role either gets that result and that change, or a 403 and no change at all. A
route added to the app without a row here fails `test_the_matrix_covers_every_route`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from starlette.routing import Route

from dlp.quarantine.records import Status
from dlp.web.accounts import Role
from tests.web.conftest import PASSWORD, USERS, Site, csrf_of, login

Effect = Callable[[Site, str], bool]


def _status_is(status: Status) -> Effect:
    return lambda site, held: site.store.get(held).status is status


def _nothing(site: Site, held: str) -> bool:
    return True


def _revealed_in_the_audit_log(site: Site, held: str) -> bool:
    return any(e["event"] == "quarantine-reveal" for e in site.triage.audit.entries())


def _account_is(username: str, role: str) -> Effect:
    def check(site: Site, held: str) -> bool:
        account = site.accounts.store.account(username)
        return account is not None and account.role == role

    return check


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    needs: Role
    status: int  # when allowed
    effect: Effect = _nothing  # true once the request has done its work
    form: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        target = self.form.get("username")
        return f"{self.method} {self.path}" + (f" {target}" if target else "")


MATRIX = [
    Row("GET", "/", Role.VIEWER, 200),
    Row("GET", "/messages/{held_id}", Role.VIEWER, 200),
    Row("GET", "/dashboard", Role.VIEWER, 200),
    Row("POST", "/logout", Role.VIEWER, 303),
    Row("POST", "/messages/{held_id}/reveal", Role.REVIEWER, 200, _revealed_in_the_audit_log),
    Row(
        "POST",
        "/messages/{held_id}/release",
        Role.REVIEWER,
        303,
        _status_is(Status.RELEASED),
        {"note": "ok", "mode": "plain"},
    ),
    Row(
        "POST",
        "/messages/{held_id}/reject",
        Role.REVIEWER,
        303,
        _status_is(Status.REJECTED),
        {"note": "no"},
    ),
    Row(
        "POST",
        "/messages/{held_id}/delete",
        Role.REVIEWER,
        303,
        _status_is(Status.DELETED),
        {"note": "duplicate"},
    ),
    Row(
        "POST",
        "/messages/{held_id}/not-sensitive",
        Role.REVIEWER,
        303,
        lambda site, held: len(site.store.false_positives()) == 1,
        {"note": "test data", "position": "0"},
    ),
    Row("GET", "/accounts", Role.ADMIN, 200),
    Row("GET", "/disclosures", Role.REVIEWER, 200),
    # This site has no roster: the look-up says so (tests/web/test_disclosures.py has one).
    Row("POST", "/disclosures", Role.REVIEWER, 503, form={"student": "3001001"}),
    Row(  # create an account
        "POST",
        "/accounts",
        Role.ADMIN,
        303,
        _account_is("nina", "admin"),
        {"username": "nina", "password": PASSWORD, "role": "admin"},
    ),
    Row(  # promote an existing one (here: the viewer to admin)
        "POST",
        "/accounts",
        Role.ADMIN,
        303,
        _account_is("vera", "admin"),
        {"username": "vera", "password": PASSWORD, "role": "admin"},
    ),
    Row(
        "POST",
        "/accounts/disable",
        Role.ADMIN,
        303,
        lambda site, held: bool(site.accounts.store.account("rita").disabled),
        {"username": "rita"},
    ),
]
OPEN = {("GET", "/login"), ("POST", "/login")}  # for everyone: signing in


@pytest.mark.parametrize("username", list(USERS))
@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_role_matrix(site: Site, held_decision, held_scan, row: Row, username: str) -> None:
    held = site.hold(held_decision, held_scan)
    browser = login(site, username)
    token = csrf_of(browser.get("/").text)
    path = row.path.format(held_id=held)
    if row.method == "GET":
        response = browser.get(path)
    else:
        response = browser.post(path, data={"csrf": token, **row.form})
    if USERS[username].allows(row.needs):
        assert response.status_code == row.status, response.text[:300]
        assert row.effect(site, held), "allowed, yet nothing was done"
    else:
        assert response.status_code == 403, response.text[:300]
        assert f"this needs the {row.needs.value} role" in response.text
        assert row.effect is _nothing or not row.effect(site, held), "refused, yet done"
        assert site.store.get(held).status is Status.HELD
        assert site.sink.received == []
        assert "536-22-1234" not in response.text
        assert {a.username: a.role for a in site.accounts.store.accounts()} == {
            name: role.value for name, role in USERS.items()
        }


def test_the_matrix_covers_every_route(site: Site) -> None:
    served = {
        (method, route.path)
        for route in site.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == {(row.method, row.path) for row in MATRIX} | OPEN
