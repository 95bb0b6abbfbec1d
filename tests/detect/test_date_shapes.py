"""``date_is_impossible`` settles a date in a common numeric shape by one match
(``rules._POSSIBLE_DATE``) and the rest as before: it answers as the old rule
(``test_rules_fast``) on every month and day (0 to 32, padded or not) of those shapes with years
around the edges (1899-1900, 2099-2100, leap years and not, two and three digits), and on
random values of those shapes and near them."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlp.detect import rules

from .test_rules_fast import old_date_is_impossible

YEARS = [
    *("1899", "1900", "1901", "1904", "1996", "2000", "2001", "2023", "2024", "2099", "2100"),
    *("00", "01", "04", "23", "24", "49", "50", "52", "99", "0", "4", "024", "0024", "20244"),
]


def _numbers(limit: int) -> list[str]:
    """0 to ``limit``, as written and padded to two digits."""
    return sorted({form for number in range(limit + 1) for form in (str(number), f"{number:02}")})


def test_every_month_and_day_of_the_common_shapes() -> None:
    months, days = _numbers(13), _numbers(32)
    for year in YEARS:
        for month in months:
            for day in days:
                for text in (f"{month}/{day}/{year}", f"{year}-{month}-{day}"):
                    assert rules.date_is_impossible(text) == old_date_is_impossible(text), text


def test_the_common_shapes_are_settled_by_the_match() -> None:
    for text in ("04/12/2011", "4/12/11", "12-31-1999", "2011-04-12", "02/29/2024", "2000-2-29"):
        assert rules._POSSIBLE_DATE(text) is not None
    for text in ("02/29/2023", "02/29/1900", "04/31/2011", "13/01/2011", "04/12/211", "1/2/3"):
        assert rules._POSSIBLE_DATE(text) is None


DIGIT = st.sampled_from("01234567890012239")
NUMBER = st.one_of(
    st.integers(0, 40).map(str),
    st.integers(0, 40).map(lambda number: f"{number:02}"),
    st.integers(1890, 2110).map(str),
    st.lists(DIGIT, min_size=1, max_size=5).map("".join),
)
GAP = st.sampled_from(["/", "/", "-", "-", ".", " ", "//", "", "/ ", ", "])
EDGE = st.sampled_from(["", "", "", " ", "x", "jan ", " feb", "\n", "٣"])
DATE_SHAPED = st.tuples(EDGE, NUMBER, GAP, NUMBER, GAP, NUMBER, EDGE).map("".join)


@settings(max_examples=3000, deadline=None)
@given(DATE_SHAPED)
@example("04/12/2011")
@example("02/29/2024")
@example("02/29/2023")
@example("02/29/1900")
@example("2/29/00")
@example("2000-02-29")
@example("1900-02-29")
@example("04/31/2011")
@example("12/31/2099")
@example("12/31/2100")
@example("00/12/2011")
@example("04/00/2011")
@example("2011-04-12")
@example("4.12.11")
def test_dates_as_before(text: str) -> None:
    assert rules.date_is_impossible(text) == old_date_is_impossible(text)
