"""Page numbers in query strings, and the findings of a message shown a page at a time."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from dlp.quarantine.reveal import FindingView
from dlp.quarantine.triage import Actor
from dlp.web.app import FINDINGS_PAGE
from dlp.web.paging import MAX_PAGE, page_number, page_of
from tests.web.conftest import login


@pytest.mark.parametrize(
    ("value", "page"),
    [
        ("", 0),
        ("0", 0),
        ("7", 7),
        ("-3", 0),
        (str(MAX_PAGE + 1), MAX_PAGE),
        ("99999999999999999999", MAX_PAGE),
        ("9" * 5000, MAX_PAGE),  # past int()'s own digit limit
    ],
)
def test_page_numbers_are_clamped(value: str, page: int) -> None:
    assert page_number({"page": value}, "page") == page


@pytest.mark.parametrize("value", ["abc", "1e5", "1.5", "٣", "0x10", "--1"])
def test_a_page_that_is_not_a_whole_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        page_number({"page": value}, "page")


def test_page_of_a_list() -> None:
    items = list(range(450))
    first = page_of(items, 0, 200)
    assert first.items == items[:200] and first.has_next and not first.has_previous
    last = page_of(items, 2, 200)
    assert last.items == items[400:] and last.has_previous and not last.has_next
    assert page_of(items, MAX_PAGE, 200) == last  # past the end: the last page
    empty = page_of([], 5, 200)
    assert empty.items == [] and empty.number == 0 and not empty.has_next


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "9" * 5000, str(MAX_PAGE)])
def test_queue_with_a_huge_or_negative_page_is_not_a_500(site, value: str) -> None:
    viewer = login(site, "vera")
    response = viewer.get("/", params={"page": value})
    assert response.status_code == 200, response.text[:500]


def test_queue_with_a_page_that_is_not_a_number_is_a_400(site) -> None:
    viewer = login(site, "vera")
    response = viewer.get("/", params={"page": "1e5"})
    assert response.status_code == 400 and "page must be a whole number" in response.text


# --- the findings of one message, a page at a time ---------------------------------------

HUGE = 250_000


@pytest.fixture
def huge(site, held_decision, held_scan, monkeypatch) -> str:
    """A held message whose view has 250,000 findings: the real record's first finding, again
    and again at new positions (built here: scanning such a message is not what is tested)."""
    held = site.hold(held_decision, held_scan)
    message, views = site.triage.view(Actor("test", "test"), held)
    first = views[0]
    many = [
        FindingView(replace(first.finding, position=n), first.pieces, first.value)
        for n in range(HUGE)
    ]
    monkeypatch.setattr(site.triage, "view", lambda actor, held_id: (message, many))
    return held


def _positions(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'name="position" value="(\d+)"', html)]


def test_a_message_with_250k_findings_is_a_small_page(site, huge) -> None:
    reviewer = login(site, "rita")  # the largest page: a "not sensitive" form on every row
    page = reviewer.get(f"/messages/{huge}")
    assert page.status_code == 200
    assert len(page.content) < 500_000, len(page.content)
    assert _positions(page.text) == list(range(FINDINGS_PAGE))
    assert f"Findings ({HUGE})" in page.text and f"of {HUGE}" in page.text
    assert 'class="findings-next"' in page.text and "findings-previous" not in page.text
    later = reviewer.get(f"/messages/{huge}", params={"findings": "3"})
    assert _positions(later.text) == list(range(3 * FINDINGS_PAGE, 4 * FINDINGS_PAGE))
    assert "findings-previous" in later.text
    last = reviewer.get(f"/messages/{huge}", params={"findings": "99999999999999999999"})
    assert last.status_code == 200
    assert _positions(last.text) == list(range(HUGE - FINDINGS_PAGE, HUGE))
    assert "findings-next" not in last.text
    assert reviewer.get(f"/messages/{huge}", params={"findings": "x"}).status_code == 400


def test_a_message_with_few_findings_has_no_pager(site, held_decision, held_scan) -> None:
    held = site.hold(held_decision, held_scan)
    page = login(site, "vera").get(f"/messages/{held}")
    assert page.status_code == 200 and "findings-pages" not in page.text
    assert "<mark>***-**-1234</mark>" in page.text
