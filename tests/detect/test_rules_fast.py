"""The validators' quicker forms (ASCII digits by ``bytes.translate``, compiled expressions, the
month lengths and the Luhn doubling by table) answer as the old ones, kept here, did."""

from __future__ import annotations

import calendar
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect import rules

_NON_DIGITS = re.compile(r"\D")


def old_digits(text: str) -> str:
    return _NON_DIGITS.sub("", text)


def old_us_ssn_is_impossible(text: str) -> bool:
    separators = {char for char in text if not char.isdigit()}
    if len(separators) > 1:
        return True
    number = old_digits(text)
    if len(number) != 9:
        return True
    area, group, serial = number[:3], number[3:5], number[5:]
    return (
        area in ("000", "666")
        or area[0] == "9"
        or group == "00"
        or serial == "0000"
        or number in rules._KNOWN_FAKE_SSNS
        or len(set(number)) == 1
    )


def old_luhn_is_valid(text: str) -> bool:
    number = old_digits(text)
    if not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def old_date_is_impossible(text: str) -> bool:
    lowered = text.lower()
    numbers = [int(part) for part in re.findall(r"\d+", lowered)]
    month_name = re.search(r"[a-z]{3}", lowered)
    if month_name:
        month = rules._MONTHS.get(month_name.group()[:3])
        if month is None or len(numbers) < 2:
            return True
        day, year = numbers[0], numbers[-1]
    elif len(numbers) == 3 and numbers[0] > 31:
        year, month, day = numbers
    elif len(numbers) == 3:
        month, day, year = numbers
    else:
        return True
    if year < 100:
        year += 2000 if year < 50 else 1900
    if not 1900 <= year <= 2099 or not 1 <= month <= 12:
        return True
    return not 1 <= day <= calendar.monthrange(year, month)[1]


def old_nanp_phone_is_impossible(text: str) -> bool:
    if text.startswith("+") and not text.startswith("+1"):
        number = old_digits(text)
        return not 8 <= len(number) <= 15 or len(set(number)) == 1
    number = old_digits(text.lower().split("x")[0].split("ext")[0])
    if number.startswith("001"):
        number = number[2:]
    if len(number) == 11 and number.startswith("1"):
        number = number[1:]
    if len(number) != 10:
        return True
    area, exchange = number[:3], number[3:6]
    return area[0] in "01" or area[1:] == "11" or exchange[1:] == "11" or len(set(number)) == 1


def old_national_phone_is_impossible(text: str) -> bool:
    number = old_digits(text.lower().split("x")[0].split("ext")[0])
    return not 7 <= len(number) <= 13 or len(set(number)) == 1


PAIRS = [
    (rules.digits, old_digits),
    (rules.us_ssn_is_impossible, old_us_ssn_is_impossible),
    (rules.luhn_is_valid, old_luhn_is_valid),
    (rules.date_is_impossible, old_date_is_impossible),
    (rules.nanp_phone_is_impossible, old_nanp_phone_is_impossible),
    (rules.national_phone_is_impossible, old_national_phone_is_impossible),
]
# Digits (with a few of other scripts and look-alikes: "٣" is a digit to ``\d``, "²" only to
# ``isdigit``), separators and the words of dates and extensions.
PIECES = st.sampled_from(
    [*"0123456789", *"0123456789", "-", " ", ".", "/", "(", ")", "+", "+1", "001", "x", "ext",
     "Feb", "feb", "March", "Sep", "Foo", "29", "2024", "1900", "00", "666", "٣", "²",
     "\u0130", "\t"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_rules_as_before(text: str) -> None:
    for new, old in PAIRS:
        assert new(text) == old(text), new.__name__


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=24))
def test_rules_as_before_on_any_text(text: str) -> None:
    for new, old in PAIRS:
        assert new(text) == old(text), new.__name__


def test_dates_and_cards_by_table() -> None:
    assert not rules.date_is_impossible("02/29/2024") and rules.date_is_impossible("02/29/2023")
    assert rules.date_is_impossible("04/31/2019") and not rules.date_is_impossible("12/31/1999")
    assert rules.luhn_is_valid("4111 1111 1111 1111") and not rules.luhn_is_valid(
        "4111111111111112"
    )
