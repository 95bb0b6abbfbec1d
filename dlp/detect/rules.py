"""The code rules that data cannot express: checksums and impossible values.

Each rule takes the matched text. A ``validate`` rule returns True (certainly this entity: the
score becomes 1.0), False (certainly not: dropped) or None (no opinion). An ``invalidate`` rule
returns True when the match is impossible (dropped). A district can name its own rule as
``"package.module:function"`` in an entity file, e.g. a student-ID check digit.
"""

from __future__ import annotations

import calendar
import importlib
import re
from collections.abc import Callable

from dlp.detect.public_suffix import has_public_suffix

Rule = Callable[[str], bool | None]

_NON_DIGITS = re.compile(r"\D")
_KNOWN_FAKE_SSNS = frozenset({"123456789", "078051120", "219099999", "457555462"})
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def digits(text: str) -> str:
    return _NON_DIGITS.sub("", text)


def us_ssn_is_impossible(text: str) -> bool:
    """SSA never issues these: area 000, 666 or 9xx, group 00, serial 0000, advertised numbers."""
    separators = {char for char in text if not char.isdigit()}
    if len(separators) > 1:
        return True  # "123-45 6789": mixed separators are not how anyone writes an SSN
    number = digits(text)
    if len(number) != 9:
        return True
    area, group, serial = number[:3], number[3:5], number[5:]
    return (
        area in ("000", "666")
        or area[0] == "9"
        or group == "00"
        or serial == "0000"
        or number in _KNOWN_FAKE_SSNS
        or len(set(number)) == 1
    )


def luhn_is_valid(text: str) -> bool:
    number = digits(text)
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


def date_is_impossible(text: str) -> bool:
    """February 30th, month 13 and the like; also years outside 1900-2099."""
    lowered = text.lower()
    numbers = [int(part) for part in re.findall(r"\d+", lowered)]
    month_name = re.search(r"[a-z]{3}", lowered)
    if month_name:
        month = _MONTHS.get(month_name.group()[:3])
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


def nanp_phone_is_impossible(text: str) -> bool:
    """Area codes never start with 0 or 1; N11 area and exchange codes are service codes.
    An international number (``+`` and a country code other than 1) has 8 to 15 digits."""
    if text.startswith("+") and not text.startswith("+1"):
        number = digits(text)
        return not 8 <= len(number) <= 15 or len(set(number)) == 1
    number = digits(text.lower().split("x")[0].split("ext")[0])
    if number.startswith("001"):
        number = number[2:]
    if len(number) == 11 and number.startswith("1"):
        number = number[1:]
    if len(number) != 10:
        return True
    area, exchange = number[:3], number[3:6]
    return area[0] in "01" or area[1:] == "11" or exchange[1:] == "11" or len(set(number)) == 1


def national_phone_is_impossible(text: str) -> bool:
    """A number in a country's own form ("0699 868 88 55", "(71) 4233-6306") has 7 to 13
    digits, not all one digit."""
    number = digits(text.lower().split("x")[0].split("ext")[0])
    return not 7 <= len(number) <= 13 or len(set(number)) == 1


def email_domain_is_valid(text: str) -> bool | None:
    """Presidio's test: the domain ends in a public suffix (tldextract's bundled list, read
    without importing tldextract: ``dlp.detect.public_suffix``; nothing is downloaded)."""
    return has_public_suffix(text.rsplit("@", 1)[-1])


BUILTIN_RULES: dict[str, Rule] = {
    "us_ssn": us_ssn_is_impossible,
    "luhn": luhn_is_valid,
    "impossible_date": date_is_impossible,
    "nanp_phone": nanp_phone_is_impossible,
    "national_phone": national_phone_is_impossible,
    "email_domain": email_domain_is_valid,
}


class RuleError(ValueError):
    """A rule name in an entity file that names nothing usable."""


def resolve_rule(name: str) -> Rule:
    """A built-in rule by name, or a district's own as ``package.module:function``."""
    if name in BUILTIN_RULES:
        return BUILTIN_RULES[name]
    module_name, _, function_name = name.partition(":")
    if not function_name:
        known = ", ".join(sorted(BUILTIN_RULES))
        raise RuleError(f"unknown rule {name!r}: use one of {known} or 'package.module:function'")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise RuleError(f"rule {name!r} cannot be loaded: {error}") from None
    if not callable(function):
        raise RuleError(f"rule {name!r} is not a function")
    return function  # type: ignore[no-any-return,unused-ignore]
