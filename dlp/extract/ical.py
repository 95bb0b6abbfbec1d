"""iCalendar (.ics, text/calendar): property values and attendee names, lines unfolded."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dlp.extract.charset import decode
from dlp.extract.context import Context, Item
from dlp.extract.plaintext import text_segments
from dlp.extract.source import Source
from dlp.model import Location

_FOLD = re.compile(r"\r?\n[ \t]")
_COMMON_NAME = re.compile(r';CN="?([^";:]+)"?', re.IGNORECASE)
# Structure and binary payloads, not text anyone wrote.
_SKIPPED = frozenset(
    {
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "METHOD",
        "UID",
        "DTSTAMP",
        "SEQUENCE",
        "TZID",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "RRULE",
        "ATTACH",
        "X-MICROSOFT-CDO-OWNERAPPTID",
    }
)


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    yield from text_segments(calendar_text(decode(source.read_all(), "utf-8")), location, ctx)


def calendar_text(text: str) -> str:
    lines: list[str] = []
    for line in _FOLD.sub("", text).splitlines():
        head, colon, value = line.partition(":")
        if not colon:
            continue
        name = head.split(";", 1)[0].upper()
        if name in _SKIPPED:
            continue
        lines.extend(match.group(1) for match in _COMMON_NAME.finditer(head))
        value = value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",")
        value = value.replace("\\;", ";").replace("\\\\", "\\")
        if value.strip():
            lines.append(value)
    return "\n".join(lines)
