"""The dashboard over real data: decisions made by the sample policy on real scans, recorded
in the decisions table; messages held, one released to a real SMTP sink and one finding marked
"not sensitive". Checked over HTTP (roles, filters, no clear value, audited) and in headless
Chromium (the SVG drawn, nothing fetched from elsewhere, no CSP violation)."""

from __future__ import annotations

import re

import pytest

from dlp.pipeline import scan_message
from dlp.policy import Policy, decide
from dlp.quarantine.decisions import DAY, DecisionBook, decision_row
from dlp.quarantine.triage import Actor
from tests.gateway.harness import scenario
from tests.web.conftest import OUTSIDE, PASSWORD, SENDER, Site, login
from tests.web.test_browser import CHROMIUM, LAUNCH_ARGS, server  # noqa: F401 (fixture)

SECRET = b"dashboard-secret"
REVIEWER = Actor("rita", "test")


def _fill(site: Site, scanner: object, policy: Policy, held_decision, held_scan) -> dict[str, str]:
    """Real decisions over three days; two held messages, one released, one mark."""
    import time

    now = time.time()
    book = DecisionBook(site.store.engine)
    cases = [
        (
            "gradebook_export_to_personal_address.eml",
            "sis-exports@cusd.com",
            ["jsmith.teacher@yahoo.com"],
        ),  # reject
        (
            "iep_to_parent_personal_address.eml",
            "mlopez@cusd.com",
            ["parent.jones1984@gmail.com"],
        ),  # quarantine
        ("staff_home_contact_outside.eml", "hr@cusd.com", ["broker@benefits.example"]),
    ]
    verdicts = {}
    for day, (name, sender, recipients) in enumerate(cases):
        scan = scan_message(scenario(name), scanner)  # type: ignore[arg-type]
        decision = decide(policy, sender, recipients, scan)
        row = decision_row(
            decision,
            secret=SECRET,
            gateway_id=f"gw-{day}",
            held={},
            delivered=recipients,
            now=now - day * DAY,
        )
        book.record(row)
        verdicts[name] = row.verdict
    first = site.hold(held_decision, held_scan)
    from tests.quarantine.conftest import another

    second = site.hold(held_decision, held_scan, another(1))
    site.triage.release(REVIEWER, first, note="checked with the principal")
    site.triage.not_sensitive(REVIEWER, second, 0, note="a test number")
    return {"first": first, "second": second, **verdicts}


@pytest.fixture
def filled(site: Site, scanner, policy, held_decision, held_scan) -> dict[str, str]:
    return _fill(site, scanner, policy, held_decision, held_scan)


def _values(html: str, series: str) -> int:
    return sum(int(v) for v in re.findall(rf'data-series="{series}" [^>]*data-value="(\d+)"', html))


def test_viewers_see_the_dashboard_from_real_decisions(site: Site, filled: dict[str, str]) -> None:
    assert filled["gradebook_export_to_personal_address.eml"] == "reject"
    assert filled["iep_to_parent_personal_address.eml"] == "quarantine"
    anonymous = site.client().get("/dashboard")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    page = login(site, "vera").get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert _values(html, "rejected") == 1 and _values(html, "held") >= 1
    assert _values(html, "released") == 1
    assert 'id="held-now">1<' in html  # one of the two is still held
    assert "bulk-students-outside" in html and "FERPA.non-directory" in html
    assert "yahoo.com" in html and "gmail.com" in html
    assert "secrets-outside" in html.split('id="false-positives"')[1]  # the mark, by rule
    for clear in ("536-22-1234", SENDER, "mlopez@cusd.com", "20231234"):
        assert clear not in html
    assert "<script" not in html
    entries = [
        line for line in site.audit_path.read_text().splitlines() if "dashboard-view" in line
    ]
    assert len(entries) == 1 and '"vera"' in entries[0]


def test_a_rule_filters_the_chart(site: Site, filled: dict[str, str]) -> None:
    client = login(site, "vera")
    html = client.get("/dashboard?rule=bulk-students-outside&days=7").text
    assert _values(html, "rejected") == 1 and _values(html, "held") == 0
    assert _values(html, "released") == 0
    odd = client.get("/dashboard?rule=%27%3Cscript%3E&days=abc")  # refused quietly: no filter
    assert odd.status_code == 200 and "<script>" not in odd.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium for the browser test")
def test_the_dashboard_draws_in_chromium(site: Site, server: str, filled: dict[str, str]) -> None:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            problems: list[str] = []
            failed: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "response",
                lambda response: failed.append(response.url) if response.status >= 400 else None,
            )
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "vera")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/")
            page.click("a[href='/dashboard']")
            page.wait_for_url(f"{server}/dashboard")
            bars = page.locator("#over-time svg rect.bar")
            assert bars.count() >= 3
            heights = [bars.nth(i).bounding_box()["height"] for i in range(bars.count())]
            assert all(height > 0 for height in heights)
            tooltip = page.locator("#over-time svg rect.bar[data-series='rejected'] title")
            assert tooltip.count() == 1 and "1 rejected" in (tooltip.text_content() or "")
            page.click("#by-rule a:text('bulk-students-outside')")
            page.wait_for_url(re.compile(r".*rule=bulk-students-outside.*"))
            assert page.locator("#over-time svg rect.bar").count() == 1
            assert page.locator("#top-domains svg rect.bar").count() >= 1
            body = page.inner_text("body")
            assert "536-22-1234" not in body and OUTSIDE not in body
        finally:
            browser.close()
    assert all(url.startswith(server) for url in requests), requests
    # Chromium asks for /favicon.ico on its own; nothing else may fail, and no CSP report.
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert [text for text in problems if "Failed to load resource" not in text] == []
