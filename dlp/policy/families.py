"""Who a recipient is to the students a message is about: the family facts of a decision.

The roster (`dlp.roster.families`) answers, for one exact address, which students it is the
guardian of (or is, as an eligible student) and which staff member it is; this module turns
that and the students a message identifies into flags a rule can name:

``GUARDIAN``            a guardian of any roster student
``GUARDIAN_OF_ALL``     the guardian of every roster student the message identifies
``GUARDIAN_OF_SOME``    of some of them, and not of others
``GUARDIAN_OF_NONE``    of none of them (the message identifies at least one)
``GUARDIAN_OF_OTHER``   the guardian of a roster student the message does not identify
``STAFF_MEMBER``        a roster staff member's address

A name several roster students share is the recipient's own child only if the recipient is the
guardian of every one of them; otherwise it is unresolved, and so is a student ID not on the
roster: an unresolved student keeps the message out of ``GUARDIAN_OF_ALL`` (today's rules
apply), without counting as another family's child either.

Nothing here holds a clear value: students are roster subject digests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from dlp.model import Finding
from dlp.roster.household import NOBODY, Household

__all__ = ["NOBODY", "Household", "Households", "StudentsSeen", "family_view"]

FAMILY_FLAGS = (
    "GUARDIAN",
    "GUARDIAN_OF_ALL",
    "GUARDIAN_OF_SOME",
    "GUARDIAN_OF_NONE",
    "GUARDIAN_OF_OTHER",
    "STAFF_MEMBER",
)
# Findings that identify a student: a roster match, or an ID pattern (a roster ID carries the
# student's subject; one that is nobody's is an unresolved student).
STUDENT_ENTITIES = frozenset({"ROSTER_STUDENT_ID", "ROSTER_STUDENT_NAME", "STUDENT_ID"})


class Households(Protocol):
    """The roster's side (`dlp.roster.families.Families`)."""

    @property
    def version(self) -> str: ...

    def household(self, address: str, parents_of_eligible: bool = True) -> Household: ...

    def members(self, subject: str) -> tuple[str, ...]:
        """The students a finding's subject may be: itself, a shared name's candidates, or
        () when the roster does not know it."""
        ...


@dataclass(frozen=True, slots=True)
class StudentsSeen:
    """The roster students one message identifies, each as its candidates."""

    students: tuple[tuple[str, ...], ...] = ()
    unresolved: int = 0  # student identifiers the roster cannot tie to one family

    @classmethod
    def of(cls, findings: Collection[Finding], households: Households) -> StudentsSeen:
        seen: dict[str, tuple[str, ...]] = {}
        unresolved: set[str] = set()
        places = {
            (f.location, f.start, f.end)
            for f in findings
            if f.subject and f.entity_type in STUDENT_ENTITIES
        }
        for finding in findings:
            if finding.entity_type not in STUDENT_ENTITIES:
                continue
            if finding.subject is None:
                # An ID the roster does not know, unless a roster ID matched at the same place.
                if (finding.location, finding.start, finding.end) not in places:
                    unresolved.add(finding.digest)
                continue
            if finding.subject in seen:
                continue
            members = households.members(finding.subject)
            if members:
                seen[finding.subject] = members
            else:
                unresolved.add(finding.subject)
        # One student named by a shared name and by their ID: the ID settles it.
        singles = {members[0] for members in seen.values() if len(members) == 1}
        students = tuple(
            members
            for members in seen.values()
            if len(members) == 1 or not singles.intersection(members)
        )
        return cls(students, len(unresolved))


@dataclass(frozen=True, slots=True)
class FamilyView:
    """One recipient's family flags and, when it is a mismatch, a sentence that says so
    (counts only: never which student)."""

    flags: frozenset[str]
    note: str = ""


def family_view(seen: StudentsSeen, household: Household) -> FamilyView:
    guards = household.guards
    flags: set[str] = set()
    if guards:
        flags.add("GUARDIAN")
    if household.staff:
        flags.add("STAFF_MEMBER")
    identified = {subject for members in seen.students for subject in members}
    if guards - identified:
        flags.add("GUARDIAN_OF_OTHER")
    own = other = unresolved = 0
    for members in seen.students:
        if guards.issuperset(members):
            own += 1
        elif len(members) == 1:
            other += 1
        else:
            unresolved += 1
    unresolved += seen.unresolved
    total = len(seen.students)
    note = ""
    if own and not other and not unresolved:
        flags.add("GUARDIAN_OF_ALL")
    elif own and other:
        flags.add("GUARDIAN_OF_SOME")
        note = (
            f"The recipient is a parent or guardian of {own} of the {own + other} roster "
            "students this message identifies, not of the others."
        )
    elif other and not own:
        flags.add("GUARDIAN_OF_NONE")
        if guards:
            note = (
                "The recipient is a parent or guardian of a different student, not of the "
                f"{'student' if total == 1 else f'{total} students'} this message identifies."
            )
    return FamilyView(frozenset(flags), note)
