"""The hook for per-student disclosure records (issue 23: "for roster students it is also
recorded in the per-student disclosure record, with the recipient and time").

The disclosure log itself belongs to the families work; the portal calls `Disclosures.record`
from one place (`dlp.portal.service.PickupService._disclosed`) for every view and download,
after the audit entry is written. The default records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dlp.quarantine.records import StoredFinding


@dataclass(frozen=True, slots=True)
class Disclosure:
    held_id: str
    recipient: str  # who received the information
    action: str  # "view" or "download"
    time: int  # epoch seconds
    client: str  # the address the page was asked from
    findings: tuple[StoredFinding, ...]  # masked, with digests (roster subjects among them)


class Disclosures(Protocol):
    def record(self, disclosure: Disclosure) -> None: ...


class NoDisclosures:
    def record(self, disclosure: Disclosure) -> None:
        return None
