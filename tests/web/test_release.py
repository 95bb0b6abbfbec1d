"""A release from the browser that cannot encrypt: the page says the message stays held, and why."""

from __future__ import annotations

from dlp.actions.smime import CertificateStore
from dlp.delivery import NextHop, TlsMode, deliver
from dlp.quarantine.records import Status
from dlp.quarantine.release import Releaser
from tests.actions.test_smime import make_unusable_certificate
from tests.quarantine.conftest import OUTSIDE
from tests.web.conftest import csrf_of
from tests.web.test_security import login


def test_encrypted_release_that_cannot_encrypt_shows_the_reason(site, held_decision, held_scan):
    certificates = CertificateStore({OUTSIDE: make_unusable_certificate(OUTSIDE)}, ())
    target = NextHop("127.0.0.1", site.sink.port, tls=TlsMode.NONE, timeout=10)
    site.triage.releaser = Releaser(deliver, target, certificates)
    held = site.hold(held_decision, held_scan)
    browser = login(site, "rita")
    page = browser.get(f"/messages/{held}")
    response = browser.post(
        f"/messages/{held}/release",
        data={"csrf": csrf_of(page.text), "note": "encrypt it", "mode": "encrypted"},
    )
    # Before: the TypeError out of the release became a server error.
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/messages/{held}?done=release-pending"
    shown = browser.get(response.headers["location"]).text
    assert "the message stays held" in shown
    assert f"not sent: S/MIME encryption: the certificate for {OUTSIDE} cannot be used" in shown
    assert site.store.get(held).status is Status.HELD
    assert site.sink.received == []
