"""Page numbers in query strings, and the findings of a message shown a page at a time."""

from __future__ import annotations

import pytest

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
