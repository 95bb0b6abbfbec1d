"""The per-student disclosure record (FERPA, 34 CFR 99.32; IDEA, 34 CFR 300.614).

Each copy that carries a roster student's non-directory data to someone outside the district
(delivered, encrypted, or released from the quarantine by a reviewer) leaves one entry per
student: who received it, when, what kind of record, on what basis, which message, and the
roster version the decision was made against. Disclosures to the student's own parents are
recorded too (99.32(d) exempts them), with basis "parent", so they can be filtered out.

Entries are made from the decision as the quarantine stores it (`Decision.to_dict`), so a
relayed copy and a released one make them the same way, in `dlp.actions.step.ActionStep`.

The student is named only by the roster's keyed per-person digest. The recipient is kept as
the address itself: 99.32(a)(3) asks for "the parties who have requested or received" the
record, and a district answering a parent's request has to say who, which a keyed digest
cannot (it can only confirm a guess). The address is the receiving party's, not the
student's, and the audit log and the quarantine already keep recipients the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dlp.domains import ascii_address

EXTERNAL_KINDS = frozenset({"external", "authorized"})
BLOCKING = frozenset({"quarantine", "reject"})


class Basis(StrEnum):
    PARENT = "parent"  # the student's own guardian, or the eligible student (99.32(d))
    AGREEMENT = "agreement"  # an approved agreement (AR 7203 E.6), named in the detail
    RELEASE = "release"  # a reviewer released it from the quarantine; the detail is their note
    OVERRIDE = "override"  # delivered although the policy would hold it (audit mode)
    POLICY = "policy"  # nothing in the policy held it


@dataclass(frozen=True, slots=True)
class DisclosureEntry:
    student: str  # roster subject digest
    recipient: str
    time: int  # seconds since the epoch, UTC
    categories: tuple[str, ...]
    basis: Basis
    detail: str  # the agreement, or the reviewer's note
    message_id: str  # masked, as everywhere (`dlp.identifiers`)
    roster_version: str

    def to_dict(self) -> dict[str, object]:
        return {
            "student": self.student,
            "recipient": self.recipient,
            "time": self.time,
            "categories": list(self.categories),
            "basis": self.basis.value,
            "detail": self.detail,
            "message_id": self.message_id,
            "roster_version": self.roster_version,
        }


class DisclosureLog(Protocol):
    """Where entries are appended (`dlp.quarantine.disclosures.DisclosureStore`)."""

    def append(self, entries: Sequence[DisclosureEntry]) -> None: ...


def _key(address: str) -> str:
    return ascii_address(address.strip().strip("<>")).lower()


@dataclass(frozen=True, slots=True)
class DisclosureNote:
    """What one copy discloses: the stored decision, the masked Message-ID, and, for a
    reviewer's release, the reviewer's note."""

    decision: Mapping[str, object]
    message_id: str
    release_note: str | None = None
    # The sender released it themselves (`dlp.portal.override`): the note is their justification.
    override: bool = False

    def entries(self, delivered: Sequence[str], when: int) -> list[DisclosureEntry]:
        disclosed = self.decision.get("disclosure")
        if not isinstance(disclosed, Mapping):
            return []
        students = [str(s) for s in disclosed.get("students", ())]
        categories = tuple(str(c) for c in disclosed.get("categories", ()))
        if not students or not categories:
            return []
        verdicts: dict[str, Mapping[str, object]] = {}
        for verdict in self.decision.get("recipients", ()) or ():  # type: ignore[attr-defined]
            if isinstance(verdict, Mapping):
                verdicts[_key(str(verdict.get("address", "")))] = verdict
        version = str(self.decision.get("roster_version", ""))
        entries = []
        for address in delivered:
            verdict = verdicts.get(_key(address))
            if verdict is None or verdict.get("kind") not in EXTERNAL_KINDS:
                continue
            basis, detail = self._basis(verdict)
            entries += [
                DisclosureEntry(
                    student, address, when, categories, basis, detail, self.message_id, version
                )
                for student in students
            ]
        return entries

    def _basis(self, verdict: Mapping[str, object]) -> tuple[Basis, str]:
        if self.release_note is not None:
            return (Basis.OVERRIDE if self.override else Basis.RELEASE), self.release_note
        if "GUARDIAN_OF_ALL" in (verdict.get("family") or ()):  # type: ignore[operator]
            return Basis.PARENT, ""
        if verdict.get("authorization"):
            return Basis.AGREEMENT, str(verdict["authorization"])
        if verdict.get("intended") in BLOCKING:
            return Basis.OVERRIDE, "the policy is in audit mode"
        return Basis.POLICY, ""
