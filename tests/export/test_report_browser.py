"""The HTML report, opened in headless Chromium: what a person sees, and that it is
self-contained (no request leaves the page) and holds no clear value."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlp.export.scan import ExportScan, run_scan
from dlp.extract import Limits
from tests.export.exports import PLANTED, make_vault

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium (apt-get install chromium) to render the HTML report",
)


@pytest.fixture(scope="module")
def page_and_requests(tmp_path_factory, config):
    sync_api = pytest.importorskip("playwright.sync_api")
    base = tmp_path_factory.mktemp("html")
    # OCR off: the photo is skipped by type, and counted as such below.
    scan = ExportScan(
        export=make_vault(base / "vault"),
        out=base / "out",
        config=config,
        progress=False,
        internal_domains=frozenset({"cusd.com"}),
        limits=Limits(ocr=False),
    )
    run_scan(scan)
    report = base / "out" / "report.html"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            yield page, requests, report
        finally:
            browser.close()


def test_totals_and_clauses_on_the_page(page_and_requests):
    page, _, _ = page_and_requests
    assert page.title().startswith("Cloud export scan")
    assert page.inner_text("#total-files") == "5"
    assert page.inner_text("#flagged-files") == "3"
    assert page.inner_text("#not-scanned-files") == "1"
    clause_rows = page.locator("#clauses tbody tr").all_inner_texts()
    assert len(clause_rows) == 2
    assert clause_rows[0].startswith("L.3.a") and "student records" in clause_rows[0]
    assert clause_rows[1].startswith("L.3.b") and "personnel" in clause_rows[1]


def test_charts_are_drawn_inline(page_and_requests):
    page, _, _ = page_and_requests
    for chart in ("category", "clause", "owner", "folder", "exposure", "status"):
        bars = page.locator(f"#chart-{chart} svg rect")
        assert bars.count() >= 1, chart
        assert bars.first.bounding_box()["width"] > 0
    owners = page.locator("#chart-owner svg text").all_text_contents()
    assert any("jsmith@cusd.com" in text for text in owners)
    assert any("principal@cusd.com" in text for text in owners)


def test_files_most_at_risk_with_masked_previews(page_and_requests):
    page, _, _ = page_and_requests
    files = page.locator("#top-files section.file")
    assert files.count() == 3
    first = files.first.inner_text()
    assert "IEP notes_1AbCdEfGhIjK.docx" in first and "jsmith@cusd.com" in first
    assert "external" in first and "******3950" in first
    everything = page.locator("#top-files").inner_text()
    assert "***-**-1234" in everything and "sheet Period 3" in everything
    # The photo skipped by type is counted, not listed among the files that failed.
    assert page.locator("#unscannable tbody tr").count() == 0
    assert "image content 1" in page.locator("#unscannable-reasons").inner_text()


def test_no_clear_value_and_no_request_beyond_the_file(page_and_requests):
    page, requests, report = page_and_requests
    shown = page.locator("body").inner_text()
    source = page.content()
    for value in PLANTED:
        assert value not in shown and value not in source
    assert requests == [report.as_uri()]
