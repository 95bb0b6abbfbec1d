"""The hook for per-student disclosure records (issue 23: "for roster students it is also
recorded in the per-student disclosure record, with the recipient and time").

The portal calls `Disclosures.record` from one place
(`dlp.portal.service.PickupService._disclosed`) for every view and download, after the audit
entry is written and before anything is shown. `StudentRecord` writes the families' record
(`dlp.quarantine.disclosures`); `NoDisclosures` (the default, for tests of other things)
records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from dlp.actions.disclosures import DisclosureLog, DisclosureNote
from dlp.quarantine.records import StoredFinding
from dlp.quarantine.store import QuarantineStore


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


class StudentRecord:
    """Entries in the per-student disclosure record, made from the decision the message was
    sealed under, as the action step makes them for a delivered copy
    (`dlp.actions.disclosures.DisclosureNote`): one per roster student whose non-directory
    data the message carries, on the basis that copy would have had (the student's own
    parent, an agreement, the policy), the detail saying it was a pickup and how. Messages
    naming no roster student leave nothing.

    A record that cannot be written raises: the page is refused rather than shown
    unrecorded (unlike a relayed copy, nothing has left yet)."""

    def __init__(self, store: QuarantineStore, log: DisclosureLog) -> None:
        self.store, self.log = store, log

    def record(self, disclosure: Disclosure) -> None:
        message = self.store.get(disclosure.held_id)
        note = DisclosureNote(message.decision, message.message_id)
        how = f"pickup portal {disclosure.action}"
        entries = [
            replace(entry, detail=f"{entry.detail}; {how}" if entry.detail else how)
            for entry in note.entries([disclosure.recipient], disclosure.time)
        ]
        self.log.append(entries)
