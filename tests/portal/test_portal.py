"""The portal over HTTP: code, message, attachment, reply; expiry, renewal, revocation, lockout,
another message's token, CSRF on every form; the notice; audit records."""

from __future__ import annotations

import re

import pytest

from dlp.portal.app import SESSION_COOKIE
from dlp.portal.links import Purpose
from dlp.portal.service import DAY, MINUTE, Refused
from dlp.quarantine.records import Status
from dlp.quarantine.store import MIN_RETENTION_DAYS
from tests.portal.conftest import (
    ATTACHMENT,
    PARENT,
    PHRASE,
    PUBLIC_URL,
    SENDER,
    Portal,
    csrf_of,
    iep_message,
)


def test_notice_has_one_link_no_value_and_a_masked_subject(portal: Portal) -> None:
    held_id, token = portal.deposit()
    notice = portal.last_mail(PARENT, "Secure message")
    text = notice.get_content()
    assert "****1234" in str(notice["Subject"]) and "20231234" not in str(notice["Subject"])
    assert "20231234" not in text and "Jordan" not in text
    links = re.findall(r"https?://\S+", text)
    assert links == [f"{PUBLIC_URL}/pickup/{token}"] * 2  # English and Spanish: the same link
    assert PHRASE in text and "never ask for your password" in text
    assert "nunca le pedirá su contraseña" in text
    message = portal.store.get(held_id)
    assert message.status is Status.PICKUP
    assert message.expires - message.received >= MIN_RETENTION_DAYS * DAY
    note = portal.last_mail(SENDER, "Sent securely")
    assert f"{PUBLIC_URL}/revoke/" in note.get_content()


def test_code_view_download_reply(portal: Portal) -> None:
    held_id, token = portal.deposit()
    browser = portal.client()
    landing = browser.get(f"/pickup/{token}")
    assert landing.status_code == 200
    assert SENDER in landing.text and "20231234" not in landing.text
    assert browser.get(f"/pickup/{token}/message").status_code == 401  # no code yet
    browser = portal.sign_in(token, browser)
    cookie = next(c for c in browser.http.cookies.jar if c.name == SESSION_COOKIE)
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get(f"/pickup/{token}/message")
    assert page.status_code == 200
    assert "Student ID: 20231234" in page.text  # the recipient reads the message itself
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    download = browser.get(f"/pickup/{token}/attachments/0")
    assert download.status_code == 200 and download.content == ATTACHMENT
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="IEP draft.txt"'
    assert browser.get(f"/pickup/{token}/attachments/7").status_code == 404

    sent = browser.post(
        f"/pickup/{token}/reply",
        data={"csrf": csrf_of(page.text), "reply": "Thank you, we will come on the 12th."},
    )
    assert sent.status_code == 303
    reply = portal.last_mail(SENDER, "Re: Draft IEP")
    assert reply["From"] == "secure-messages@cusd.com"
    assert reply["Reply-To"] == PARENT
    assert "we will come on the 12th" in reply.get_content()
    events = portal.audit()
    for event in (
        "portal-deposit",
        "portal-code-sent",
        "portal-signed-in",
        "portal-view",
        "portal-download",
        "portal-reply",
    ):
        assert event in events
    assert held_id in portal.audit_path.read_text()
    assert "20231234" not in portal.audit_path.read_text()


def test_spanish_pages(portal: Portal) -> None:
    _, token = portal.deposit()
    browser = portal.client()
    page = browser.get(f"/pickup/{token}?lang=es")
    assert '<html lang="es">' in page.text and "Envíenme un código" in page.text
    again = browser.get(f"/pickup/{token}")  # the choice is kept
    assert "Envíenme un código" in again.text
    english = browser.get(f"/pickup/{token}?lang=en")
    assert "Send me a code" in english.text


def test_five_wrong_codes_lock_the_link(portal: Portal) -> None:
    _, token = portal.deposit()
    browser = portal.client()
    page = browser.get(f"/pickup/{token}")
    asked = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(page.text)})
    right = portal.code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # The answer to a form links its language switch to a page one can GET.
    assert f'href="/pickup/{token}?lang=es"' in asked.text
    statuses = []
    form = asked
    for _ in range(5):
        form = browser.post(
            f"/pickup/{token}/verify", data={"csrf": csrf_of(form.text), "code": wrong}
        )
        statuses.append(form.status_code)
        assert "not right" in form.text or "Too many wrong codes" in form.text
    assert statuses == [403, 403, 403, 403, 429]
    locked = browser.post(
        f"/pickup/{token}/verify", data={"csrf": csrf_of(form.text), "code": right}
    )
    assert locked.status_code == 429 and "Too many wrong codes" in locked.text
    refused = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(locked.text)})
    assert refused.status_code == 429  # no new code while locked
    assert portal.audit().count("portal-code-wrong") == 4
    assert "portal-lockout" in portal.audit()
    # After the lockout a new code works again.
    portal.clock.now += 31 * MINUTE
    portal.sign_in(token)


def test_code_expires_after_ten_minutes_and_codes_are_rate_limited(portal: Portal) -> None:
    _, token = portal.deposit()
    browser = portal.client()
    page = browser.get(f"/pickup/{token}")
    asked = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(page.text)})
    code = portal.code()
    portal.clock.now += 10 * MINUTE + 1
    late = browser.post(f"/pickup/{token}/verify", data={"csrf": csrf_of(asked.text), "code": code})
    assert late.status_code == 403 and "expired or was used" in late.text
    form = late
    for _ in range(4):
        form = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(form.text)})
        assert form.status_code == 200
    throttled = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(form.text)})
    assert throttled.status_code == 429


def test_expired_link_fails_and_a_new_one_works(portal: Portal) -> None:
    _, token = portal.deposit()
    browser = portal.sign_in(token)
    assert browser.get(f"/pickup/{token}/message").status_code == 200
    portal.clock.now += 14 * DAY + 1
    for url in (f"/pickup/{token}", f"/pickup/{token}/message", f"/pickup/{token}/attachments/0"):
        response = browser.get(url)
        assert response.status_code == 410, url
        assert "expired" in response.text
    page = browser.get(f"/pickup/{token}")
    renewed = browser.post(f"/pickup/{token}/renew", data={"csrf": csrf_of(page.text)})
    assert renewed.status_code == 200
    fresh = portal.last_mail(PARENT, "Secure message")
    from tests.portal.conftest import token_of

    new_token = token_of(fresh)
    assert new_token != token
    assert browser.get(f"/pickup/{token}").status_code == 410  # the old one stays expired
    fresh_browser = portal.sign_in(new_token)
    assert fresh_browser.get(f"/pickup/{new_token}/message").status_code == 200
    assert "portal-expired-link" in portal.audit() and "portal-link-renewed" in portal.audit()


def test_revoked_links_fail_and_cannot_be_renewed(portal: Portal) -> None:
    held_id, token = portal.deposit()
    browser = portal.sign_in(token)
    assert portal.service.revoke(held_id, "rita", "cli") == 1
    for url in (f"/pickup/{token}", f"/pickup/{token}/message"):
        response = browser.get(url)
        assert response.status_code == 410 and "withdrew" in response.text
    portal.clock.now += 15 * DAY
    page = portal.client().get("/")
    assert page.status_code == 200
    with pytest.raises(Refused, match="revoked"):
        portal.service.renew(token, "198.51.100.9")  # not even after it expired
    assert "portal-revoke" in portal.audit()


def test_sender_revokes_from_the_note(portal: Portal) -> None:
    held_id, token = portal.deposit()
    note = portal.last_mail(SENDER, "Sent securely").get_content()
    revoke_token = re.search(r"/revoke/([A-Za-z0-9_-]{43})", note).group(1)  # type: ignore[union-attr]
    sender = portal.client("10.1.2.3")
    # The revoke token is single-purpose: it opens no pickup, and the pickup token revokes nothing.
    assert sender.get(f"/pickup/{revoke_token}").status_code == 404
    assert sender.get(f"/revoke/{token}").status_code == 404
    page = sender.get(f"/revoke/{revoke_token}")
    assert page.status_code == 200
    done = sender.post(f"/revoke/{revoke_token}", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "revoked" in done.text
    assert portal.client().get(f"/pickup/{token}").status_code == 410
    assert all(link.revoked for link in portal.links_of(held_id, Purpose.PICKUP))


def test_a_session_opens_only_its_own_message(portal: Portal) -> None:
    _, token_a = portal.deposit(iep_message(tag="a"), tag="a")
    _, token_b = portal.deposit(iep_message("20239999", tag="b"), tag="b")
    browser = portal.sign_in(token_a)
    for url in (f"/pickup/{token_b}/message", f"/pickup/{token_b}/attachments/0"):
        assert browser.get(url).status_code == 401, url
    page = browser.get(f"/pickup/{token_a}/message")
    reply = browser.post(
        f"/pickup/{token_b}/reply", data={"csrf": csrf_of(page.text), "reply": "hello"}
    )
    assert reply.status_code == 401
    # A made-up token and a truncated one are no link at all.
    assert browser.get("/pickup/" + "A" * 43).status_code == 404
    assert browser.get(f"/pickup/{token_a[:-1]}").status_code == 404
    assert "portal-bad-link" in portal.audit()


def test_csrf_on_every_form(portal: Portal) -> None:
    held_id, token = portal.deposit()
    note = portal.last_mail(SENDER, "Sent securely").get_content()
    revoke_token = re.search(r"/revoke/([A-Za-z0-9_-]{43})", note).group(1)  # type: ignore[union-attr]
    browser = portal.sign_in(token)
    page = browser.get(f"/pickup/{token}/message")
    session_csrf = csrf_of(page.text)
    forms = [
        f"/pickup/{token}/code",
        f"/pickup/{token}/verify",
        f"/pickup/{token}/reply",
        f"/pickup/{token}/signout",
        f"/pickup/{token}/renew",
        f"/revoke/{revoke_token}",
    ]
    attacker = portal.client()  # no form cookie: a cross-site post
    for url in forms:
        for data in ({}, {"csrf": "forged"}, {"csrf": session_csrf}):
            response = attacker.post(url, data={**data, "reply": "x", "code": "000000"})
            assert response.status_code in (401, 403), (url, data, response.status_code)
        response = browser.post(url, data={"csrf": "forged", "reply": "x", "code": "000000"})
        assert response.status_code in (401, 403), (url, response.status_code)
    assert portal.service.links.for_message(held_id)[0].revoked == 0
    assert portal.last_mail(SENDER, "Sent securely")  # and no reply went out
    assert not [m for m in portal.mails(SENDER) if str(m["Subject"]).startswith("Re:")]


def test_retention_below_the_minimum_is_refused(portal: Portal) -> None:
    from dlp.quarantine.store import QuarantineError

    with pytest.raises(QuarantineError, match="90-day minimum"):
        portal.store.deposit(b"x", SENDER, [PARENT], None, None, "", 30)  # type: ignore[arg-type]


def test_every_view_and_download_reaches_the_disclosure_hook(portal: Portal) -> None:
    from dlp.portal.disclosure import Disclosure

    class Recorded:
        def __init__(self) -> None:
            self.items: list[Disclosure] = []

        def record(self, disclosure: Disclosure) -> None:
            self.items.append(disclosure)

    recorded = Recorded()
    portal.service.disclosures = recorded
    held_id, token = portal.deposit()
    browser = portal.sign_in(token, portal.client("203.0.113.40"))
    browser.get(f"/pickup/{token}/message")
    browser.get(f"/pickup/{token}/attachments/0")
    assert [(d.held_id, d.recipient, d.action, d.client) for d in recorded.items] == [
        (held_id, PARENT, "view", "203.0.113.40"),
        (held_id, PARENT, "download", "203.0.113.40"),
    ]
    findings = recorded.items[0].findings
    assert {finding.entity_type for finding in findings} >= {"STUDENT_ID"}
    assert all("20231234" not in finding.masked for finding in findings)
