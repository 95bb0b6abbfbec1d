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
# For ASCII text (nearly every match): the bytes' own translate drops what ``\D`` matches
# there, in a third of the time of the expression; validators run at every match.
_NON_DIGIT_BYTES = bytes(code for code in range(256) if not 48 <= code <= 57)
_DIGIT_BYTES = b"0123456789"
_NUMBERS = re.compile(r"\d+")
# ASCII: each digit kept, all else a space (the numbers of an ASCII date, split at the spaces);
# and every letter dropped (a date with none has no month name).
_DIGITS_ELSE_SPACE = bytes(code if 48 <= code <= 57 else 32 for code in range(256))
_NON_LETTER_BYTES = bytes(code for code in range(256) if not chr(code).isalpha())
_MONTH_NAME = re.compile(r"[a-z]{3}")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_KNOWN_FAKE_SSNS = frozenset({"123456789", "078051120", "219099999", "457555462"})
_KNOWN_FAKE_SSN_BYTES = frozenset(number.encode() for number in _KNOWN_FAKE_SSNS)
_NINE = ord("9")
_ZERO_ONE = b"01"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def digits(text: str) -> str:
    if text.isascii():
        return text.encode().translate(None, _NON_DIGIT_BYTES).decode()
    return _NON_DIGITS.sub("", text)


# The shapes an SSN is written in (nine ASCII digits, or 3-2-4 apart by one kind of separator)
# when none of its area, group and serial is impossible: one match settles such a value (most:
# what the SSN patterns find), which is then impossible only when advertised or one repeated
# digit (``_FAKE_SSN_FORMS``). Else ``us_ssn_is_impossible`` decides as it did: the 12 calls
# of its byte tests cost 0.85 us a value, the match 0.2 (the dense corpus, 27k values).
_POSSIBLE_SSN = re.compile(
    r"(?!000|666|9)\d{3}([-. ]?)(?!00)\d\d\1(?!0000)\d{4}", re.ASCII
).fullmatch
_FAKE_SSN_FORMS = frozenset(
    f"{number[:3]}{separator}{number[3:5]}{separator}{number[5:]}"
    for number in (*_KNOWN_FAKE_SSNS, *(digit * 9 for digit in "0123456789"))
    for separator in ("", "-", ".", " ")
)


def us_ssn_is_impossible(text: str) -> bool:
    """SSA never issues these: area 000, 666 or 9xx, group 00, serial 0000, advertised numbers."""
    if _POSSIBLE_SSN(text) is not None:
        return text in _FAKE_SSN_FORMS
    if text.isascii():
        # The same tests on the value's bytes (nearly every match): no string decoded, no set
        # built (its separators are one kind when the first one's strip takes them all).
        data = text.encode()
        separators = data.translate(None, _DIGIT_BYTES)
        if separators.strip(separators[:1]):
            return True  # "123-45 6789": mixed separators are not how anyone writes an SSN
        kept = data.translate(None, _NON_DIGIT_BYTES)
        return (
            len(kept) != 9
            or kept[0] == _NINE
            or kept[:3] in (b"000", b"666")
            or kept[3:5] == b"00"
            or kept[5:] == b"0000"
            or kept in _KNOWN_FAKE_SSN_BYTES
            or kept.count(kept[:1]) == 9
        )
    if len({char for char in text if not char.isdigit()}) > 1:
        return True
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
    # From the right: every other digit as it is, the others doubled (less 9 past 9).
    total = sum(map(int, number[::-2])) + sum(_DOUBLED[int(char)] for char in number[-2::-2])
    return total % 10 == 0


# A date in a numeric shape the date patterns find ("04/12/2011", "4-12-11", "2011-04-12": the
# month and day, then a year of two digits or 19xx/20xx; or such a year first), with a day
# the month has: one match settles such a date (``date_is_impossible``: possible), where the
# translates, the split and the tests cost 0.93 us a value, the match 0.25 (the dense corpus's
# 13.5k dates). A 29th of February is written out for the leap years (1900 is none; a year of
# two digits is 19xx or 20xx, a leap year exactly when divisible by 4). Whatever does not
# match (a month name, a 3-digit year, a day too many) is decided as before.
_DATE_GAP = "[-/.]"
_MONTH_DAY = (
    rf"(?:(?:0?[1-9]|1[0-2]){_DATE_GAP}(?:0?[1-9]|1\d|2[0-8])"
    rf"|(?:0?[13-9]|1[0-2]){_DATE_GAP}(?:29|30)"
    rf"|(?:0?[13578]|1[02]){_DATE_GAP}31)"
)
_LEAP_YEAR = r"(?!1900)(?:19|20)(?:[02468][048]|[13579][26])"
_POSSIBLE_DATE = re.compile(
    rf"{_MONTH_DAY}{_DATE_GAP}(?:(?:19|20)\d\d|\d\d)"
    rf"|(?:19|20)\d\d{_DATE_GAP}{_MONTH_DAY}"
    rf"|0?2{_DATE_GAP}29{_DATE_GAP}(?:{_LEAP_YEAR}|[02468][048]|[13579][26])"
    rf"|{_LEAP_YEAR}{_DATE_GAP}0?2{_DATE_GAP}29",
    re.ASCII,
).fullmatch


def date_is_impossible(text: str) -> bool:
    """February 30th, month 13 and the like; also years outside 1900-2099."""
    if _POSSIBLE_DATE(text) is not None:
        return False
    if text.isascii() and not (data := text.encode()).translate(None, _NON_LETTER_BYTES):
        # An ASCII date with no letter (most: "04/12/2011"), so no month name: its numbers
        # by two translates of its bytes, not the expression and a lower-cased copy.
        numbers = list(map(int, data.translate(_DIGITS_ELSE_SPACE).split()))
        month_name = None
    else:
        lowered = text.lower()
        numbers = list(map(int, _NUMBERS.findall(lowered)))
        month_name = _MONTH_NAME.search(lowered)
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
    # ``calendar.monthrange(year, month)[1]``, by table: it is asked at every date.
    last = 29 if month == 2 and calendar.isleap(year) else _DAYS_IN_MONTH[month]
    return not 1 <= day <= last


def _before_extension(text: str) -> str:
    """The number before an extension ("x12", "ext 12"): lower-cased and split only when an
    "x" can be there (most numbers have none; the digits are the same either way)."""
    if text.isascii() and "x" not in text and "X" not in text:
        return text
    return text.lower().split("x")[0].split("ext")[0]


# A US number written as most are ("(559) 327-1234", "5593271234", "559-327-1234"): ten ASCII
# digits, the area code in parentheses or not, each gap a separator or none, with
# an area code of 2-9 and no N11 area or exchange code, and not one digit repeated (the
# lookahead). One match settles such a number (``nanp_phone_is_impossible``: possible), where
# the byte tests made 13 calls (0.25 against 0.75 us a value, the dense corpus's 23k).
_POSSIBLE_NANP = re.compile(
    r"(?!\(?(\d)\1\1\)?[-. ]?\1\1\1[-. ]?\1{4}\Z)"
    r"\(?[2-9](?!11)\d\d\)?[-. ]?\d(?!11)\d\d[-. ]?\d{4}",
    re.ASCII,
).fullmatch


def nanp_phone_is_impossible(text: str) -> bool:
    """Area codes never start with 0 or 1; N11 area and exchange codes are service codes.
    An international number (``+`` and a country code other than 1) has 8 to 15 digits."""
    if _POSSIBLE_NANP(text) is not None:
        return False
    if text.startswith("+") and not text.startswith("+1"):
        number = digits(text)
        return not 8 <= len(number) <= 15 or len(set(number)) == 1
    if text.isascii() and "x" not in text and "X" not in text:
        # (most numbers: no extension, ASCII) the same tests on the digits' bytes
        data = text.encode().translate(None, _NON_DIGIT_BYTES)
        if data.startswith(b"001"):
            data = data[2:]
        if len(data) == 11 and data.startswith(b"1"):
            data = data[1:]
        return (
            len(data) != 10
            or data[0] in _ZERO_ONE
            or data[1:3] == b"11"
            or data[4:6] == b"11"
            or data.count(data[:1]) == 10
        )
    number = digits(_before_extension(text))
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
    number = digits(_before_extension(text))
    return not 7 <= len(number) <= 13 or len(set(number)) == 1


def email_domain_is_valid(text: str) -> bool | None:
    """Presidio's test: the domain ends in a public suffix (tldextract's bundled list, read
    without importing tldextract: ``dlp.detect.public_suffix``; nothing is downloaded)."""
    domain = text.rsplit("@", 1)[-1]
    # A domain recurs (a district's own, a few mail providers): each answered once. The
    # domain, not the address, is kept; bounded all the same.
    known = _SUFFIXED.get(domain)
    if known is None:
        if len(_SUFFIXED) >= _SUFFIXED_MAX:
            _SUFFIXED.clear()
        known = _SUFFIXED[domain] = has_public_suffix(domain)
    return known


# Domain -> whether it has a public suffix (``email_domain_is_valid``).
_SUFFIXED: dict[str, bool] = {}
_SUFFIXED_MAX = 4096


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
