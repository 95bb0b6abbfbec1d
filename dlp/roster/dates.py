"""Dates written near a name, read as every calendar date they could mean.

"03/04/2012" could be March 4 or April 3 and "04/03/12" could be 1912 or 2012: all readings
are returned, since one of them matching the person's keyed birth date is what counts.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

DATE_PATTERN = re.compile(
    # Every reading starts with a digit or a month's initial: rejecting other positions on one
    # character first makes the search about three times faster.
    r"(?=[\dJFMASOND])(?<!\d)(?:"
    r"(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
    rf"|(?P<nm>{_MONTH})\.?\s+(?P<nd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ny>\d{{4}})"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{_MONTH})\.?,?\s+(?P<dy>\d{{4}})"
    r")(?!\d)",
    re.IGNORECASE,
)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _years(text: str) -> list[int]:
    year = int(text)
    return [year] if len(text) == 4 else [1900 + year, 2000 + year]


def _month(name: str) -> int:
    month = _MONTHS.get(name.lower())
    if month is None:
        # The pattern matched it ignoring case the way `re` does, where "sep" spelled with a
        # long s (U+017F) is a month that str.lower() does not turn into a key: ask `re`.
        month = next(n for key, n in _MONTHS.items() if re.fullmatch(key, name, re.IGNORECASE))
    return month


def readings(match: re.Match[str]) -> set[date]:
    groups = match.groupdict()
    candidates: list[date | None] = []
    if groups["iy"]:
        candidates.append(_date(int(groups["iy"]), int(groups["im"]), int(groups["id"])))
    elif groups["a"]:
        first, second = int(groups["a"]), int(groups["b"])
        for year in _years(groups["y"]):
            candidates += [_date(year, first, second), _date(year, second, first)]
    elif groups["nm"]:
        month = _month(groups["nm"])
        candidates.append(_date(int(groups["ny"]), month, int(groups["nd"])))
    elif groups["dm"]:
        month = _month(groups["dm"])
        candidates.append(_date(int(groups["dy"]), month, int(groups["dd"])))
    return {candidate for candidate in candidates if candidate is not None}


_FOUR_DIGITS = re.compile(r"\d(?:\D*\d){3}")  # every written date has at least four


def dates_in(text: str) -> set[date]:
    found: set[date] = set()
    if not _FOUR_DIGITS.search(text):
        return found
    for match in DATE_PATTERN.finditer(text):
        found |= readings(match)
    return found
