"""Access, CSRF, rate limiting and audit through the real app over HTTP (starlette's client)."""

from __future__ import annotations

import pytest

from dlp.audit import verify
from dlp.cli import main
from dlp.quarantine.records import Status
from tests.quarantine.conftest import another
from tests.web.conftest import PASSWORD, csrf_of, login

ROUTES_GET = ["/", "/messages/{id}", "/accounts"]
ROUTES_POST = [
    "/logout",
    "/messages/{id}/reveal",
    "/messages/{id}/release",
    "/messages/{id}/reject",
    "/messages/{id}/delete",
    "/messages/{id}/not-sensitive",
    "/accounts",
    "/accounts/disable",
]


def client(site):
    return site.client()


def test_anonymous_users_are_refused_everywhere(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    anonymous = client(site)
    for route in ROUTES_GET:
        response = anonymous.get(route.format(id=held))
        assert response.status_code == 303 and response.headers["location"] == "/login", route
    for route in ROUTES_POST:
        response = anonymous.post(
            route.format(id=held), data={"note": "x", "csrf": "x", "username": "adam"}
        )
        assert response.status_code == 401, route  # not signed in
        assert "536-22" not in response.text
    assert site.store.get(held).status is Status.HELD
    assert site.sink.received == []
    assert anonymous.get("/login").status_code == 200


def test_session_cookie_and_headers(site):
    browser = client(site)
    page = browser.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    response = browser.post(
        "/login", data={"csrf": csrf_of(page.text), "username": "vera", "password": PASSWORD}
    )
    cookie = next(
        v for v in response.headers.get_list("set-cookie") if v.startswith("__Host-dlp-session=")
    )
    lowered = cookie.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=strict" in lowered
    assert "path=/" in lowered and "domain" not in lowered


def test_login_needs_its_csrf_token(site):
    browser = client(site)
    browser.get("/login")
    response = browser.post("/login", data={"username": "rita", "password": PASSWORD})
    assert response.status_code == 403
    other = client(site)  # a token from someone else's login page does not fit this browser
    token = csrf_of(other.get("/login").text)
    fresh = client(site)
    response = fresh.post("/login", data={"csrf": token, "username": "rita", "password": PASSWORD})
    assert response.status_code == 403


def test_viewer_sees_masked_findings_but_cannot_reveal_or_release(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    viewer = login(site, "vera")
    page = viewer.get(f"/messages/{held}")
    assert page.status_code == 200
    assert "***-**-1234" in page.text and "<mark>***-**-1234</mark>" in page.text
    assert "536-22-1234" not in page.text and "04/12/2011" not in page.text
    assert "secrets-outside" in page.text and "AR7203.K.4" in page.text
    assert 'id="release"' not in page.text
    token = csrf_of(page.text)
    for action in ("release", "reject", "delete", "reveal", "not-sensitive"):
        response = viewer.post(
            f"/messages/{held}/{action}", data={"csrf": token, "note": "x", "position": "0"}
        )
        assert response.status_code == 403, action
        assert "536-22-1234" not in response.text
    assert site.store.get(held).status is Status.HELD
    assert site.sink.received == []
    assert site.store.false_positives() == []
    assert viewer.get("/accounts").status_code == 403


def test_forms_without_their_csrf_token_are_refused(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    reviewer = login(site, "rita")
    page = reviewer.get(f"/messages/{held}")
    assert reviewer.post(f"/messages/{held}/release", data={"note": "ok"}).status_code == 403
    wrong = {"note": "ok", "csrf": csrf_of(page.text)[:-2] + "xx"}
    assert reviewer.post(f"/messages/{held}/release", data=wrong).status_code == 403
    assert reviewer.post(f"/messages/{held}/reveal", data={}).status_code == 403
    assert reviewer.post("/logout", data={}).status_code == 403
    assert site.store.get(held).status is Status.HELD and site.sink.received == []


def test_reveal_is_audited_without_the_value(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    reviewer = login(site, "rita")
    page = reviewer.get(f"/messages/{held}")
    response = reviewer.post(f"/messages/{held}/reveal", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 200
    assert "536-22-1234" in response.text and "536-22-5678" in response.text
    entries = site.triage.audit.entries()
    [reveal] = [e for e in entries if e["event"] == "quarantine-reveal"]
    assert reveal["actor"] == "rita" and reveal["via"] == "web" and reveal["held_id"] == held
    assert reveal["client"] == "192.0.2.7"
    log = site.audit_path.read_text()
    assert "536-22-1234" not in log and "536-22-5678" not in log
    assert "quarantine-reveal" in response.text  # the page's own history shows it


def test_release_needs_a_note_then_delivers(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    reviewer = login(site, "rita")
    token = csrf_of(reviewer.get(f"/messages/{held}").text)
    response = reviewer.post(
        f"/messages/{held}/release", data={"csrf": token, "note": "  ", "mode": "plain"}
    )
    assert response.status_code == 409 and "note is required" in response.text
    assert site.sink.received == []
    response = reviewer.post(
        f"/messages/{held}/release", data={"csrf": token, "note": "parent asked", "mode": "plain"}
    )
    assert response.status_code == 303
    assert site.store.get(held).status is Status.RELEASED
    assert site.sink.received[0].data.endswith(b"536-22-5678 for the IEP meeting.\r\n")
    page = reviewer.get(response.headers["location"])
    assert "Released." in page.text and "parent asked" in page.text


def test_reject_delete_and_not_sensitive(site, held_decision, held_scan):
    first = site.hold(held_decision, held_scan)
    second = site.hold(held_decision, held_scan, another(1))
    reviewer = login(site, "rita")
    token = csrf_of(reviewer.get(f"/messages/{first}").text)
    ok = reviewer.post(
        f"/messages/{first}/not-sensitive", data={"csrf": token, "position": "1", "note": "demo"}
    )
    assert ok.status_code == 303
    assert site.store.false_positives()[0]["entity_type"] == "DATE_OF_BIRTH"
    assert (
        reviewer.post(f"/messages/{first}/reject", data={"csrf": token, "note": "no"}).status_code
        == 303
    )
    assert site.store.get(first).status is Status.REJECTED
    assert site.sink.received[0].recipients == ["teacher@cusd.com"]
    assert (
        reviewer.post(f"/messages/{second}/delete", data={"csrf": token, "note": ""}).status_code
        == 409
    )
    assert (
        reviewer.post(f"/messages/{second}/delete", data={"csrf": token, "note": "dup"}).status_code
        == 303
    )
    assert site.store.get(second).status is Status.DELETED


def test_login_rate_limit(site):
    browser = client(site)
    for _ in range(5):
        page = browser.get("/login")
        response = browser.post(
            "/login", data={"csrf": csrf_of(page.text), "username": "rita", "password": "wrong"}
        )
        assert response.status_code == 401
    page = browser.get("/login")
    response = browser.post(
        "/login", data={"csrf": csrf_of(page.text), "username": "rita", "password": PASSWORD}
    )
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    events = [e["event"] for e in site.triage.audit.entries()]
    assert events.count("web-login-failed") == 5 and "web-login-throttled" in events
    assert "web-login" not in events


def test_admin_manages_accounts_and_a_disabled_user_is_signed_out(site):
    reviewer = login(site, "rita")
    assert reviewer.get("/").status_code == 200
    admin = login(site, "adam")
    page = admin.get("/accounts")
    assert page.status_code == 200 and "rita" in page.text
    token = csrf_of(page.text)
    short = admin.post(
        "/accounts", data={"csrf": token, "username": "new", "password": "short", "role": "viewer"}
    )
    assert short.status_code == 400
    saved = admin.post(
        "/accounts",
        data={"csrf": token, "username": "nina", "password": PASSWORD, "role": "viewer"},
    )
    assert saved.status_code == 303 and site.accounts.store.account("nina").role == "viewer"
    disabled = admin.post("/accounts/disable", data={"csrf": token, "username": "rita"})
    assert disabled.status_code == 303
    assert reviewer.get("/").status_code == 303  # back to the login page
    events = [e["event"] for e in site.triage.audit.entries()]
    assert "account-saved" in events and "account-disabled" in events


def test_queue_filters_and_sorting(site, held_decision, held_scan):
    held = site.hold(held_decision, held_scan)
    viewer = login(site, "vera")
    page = viewer.get("/", params={"sender": "teacher", "sort": "score", "order": "asc"})
    assert page.status_code == 200 and f"/messages/{held}" in page.text
    assert f"/messages/{held}" not in viewer.get("/", params={"sender": "nobody"}).text
    assert f"/messages/{held}" not in viewer.get("/", params={"status": "released"}).text
    assert viewer.get("/", params={"since": "not a date"}).status_code == 400
    assert viewer.get("/messages/zzz").status_code == 404


def test_tampered_audit_entry_is_caught_by_dlp_audit_verify(site, held_decision, held_scan, capsys):
    held = site.hold(held_decision, held_scan)
    reviewer = login(site, "rita")
    reviewer.get(f"/messages/{held}")
    path = str(site.audit_path)
    assert verify(path).ok
    assert main(["audit", "verify", path]) == 0
    lines = site.audit_path.read_text().splitlines(keepends=True)
    assert lines[1].count('"actor":"rita"') == 1
    lines[1] = lines[1].replace('"actor":"rita"', '"actor":"vera"')
    site.audit_path.write_text("".join(lines))
    capsys.readouterr()
    assert main(["audit", "verify", path]) == 1
    assert "BROKEN at line 2" in capsys.readouterr().out


@pytest.mark.parametrize("route", ["/messages/{id}/export", "/messages/{id}/../../accounts"])
def test_unknown_routes_do_not_leak(site, held_decision, held_scan, route):
    held = site.hold(held_decision, held_scan)
    response = login(site, "vera").get(route.format(id=held))
    assert response.status_code in (303, 403, 404, 405)
    assert "536-22" not in response.text
