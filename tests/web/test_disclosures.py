"""The disclosure record page (34 CFR 99.32) in headless Chromium against the real server on
127.0.0.1: a reviewer asks for a student by ID and by name (in a POSTed form, never in the
URL) and reads who received the student's records; a viewer may not."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlp.actions.disclosures import Basis, DisclosureEntry
from dlp.quarantine.disclosures import DisclosureStore
from dlp.roster.lookup import student_subjects
from dlp.roster.store import RosterStore
from dlp.web.app import create_app
from tests.families import roster as r
from tests.families.roster import family_roster
from tests.web.conftest import PASSWORD, Site, login
from tests.web.test_browser import CHROMIUM, LAUNCH_ARGS, _free_port

SECRET = b"web-disclosures-secret-0123456789abcdef"


@pytest.fixture
def records_site(site: Site, tmp_path: Path) -> Iterator[tuple[object, str]]:
    import uvicorn

    matcher = RosterStore.open(family_roster(tmp_path / "roster.npz", SECRET), SECRET).matcher()
    (mariana,) = student_subjects(matcher, "3001001")
    DisclosureStore(site.store.engine).append(
        [
            DisclosureEntry(
                mariana, r.ANA, 1_780_000_000, ("GRADES",), Basis.PARENT, "", "<rc-***@x>", "v1"
            ),
            DisclosureEntry(
                mariana,
                "sped-records@fcoe.example",
                1_780_000_100,
                ("SPECIAL_EDUCATION",),
                Basis.AGREEMENT,
                "SELPA data-sharing MOU 2023-11",
                "<iep-***@x>",
                "v1",
            ),
        ]
    )
    app = create_app(
        site.triage, site.accounts, students=functools.partial(student_subjects, matcher)
    )
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.02)
    yield app, f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium for the browser test")
def test_reviewer_reads_a_students_disclosures_in_chromium(site: Site, records_site) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    _, server = records_site
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "rita")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/")
            for asked in ("3001001", "Mariana Quintero-Ruiz"):
                page.goto(f"{server}/disclosures")
                page.fill("input[name=student]", asked)
                page.click("main button[type=submit]")
                page.wait_for_selector("table.disclosures")
                assert page.url == f"{server}/disclosures"  # the student is not in the URL
                bases = page.locator("tr.disclosure td.basis").all_inner_texts()
                assert bases == ["parent", "agreement"]
                body = page.inner_text("main")
                assert r.ANA in body and "SELPA data-sharing MOU 2023-11" in body
                assert "Mariana" not in body and "3001001" not in body
            page.goto(f"{server}/disclosures")
            page.fill("input[name=student]", "John Smith")
            page.click("main button[type=submit]")
            page.wait_for_selector("p.error")
            assert "use the student ID" in page.inner_text("p.error")
        finally:
            browser.close()
    events = [e for e in site.triage.audit.entries() if e["event"] == "disclosures-viewed"]
    assert len(events) == 2 and events[0]["actor"] == "rita" and events[0]["entries"] == 2
    assert "Mariana" not in site.audit_path.read_text()


def test_a_viewer_may_not_see_the_record(site: Site, records_site) -> None:
    app, _ = records_site
    site.app = app
    browser = login(site, "vera")
    assert browser.get("/disclosures").status_code == 403
    reviewer = login(site, "rita")
    page = reviewer.get("/disclosures")
    assert page.status_code == 200
    # Without the form's token, nothing is looked up.
    refused = reviewer.post("/disclosures", data={"student": "3001001"})
    assert refused.status_code == 403
