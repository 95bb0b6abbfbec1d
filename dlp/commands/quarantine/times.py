"""Times on the command line: read (``--since 7d``) and written (``2026-11-01 08:00``)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from dlp.cli import UsageError

_RELATIVE = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60}


def parse_time(text: str) -> int:
    """Epoch seconds from an ISO date/time (UTC unless it says otherwise) or ``7d``/``12h``/``30m``
    (that long ago)."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        return int(time.time()) - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a time: {text!r} (use 2026-11-01, 2026-11-01T08:00 or 7d)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")
