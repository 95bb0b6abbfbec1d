"""Clear roster records as an importer reads them. They live in memory during import only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum


class Role(IntEnum):
    STUDENT = 0
    STAFF = 1
    GUARDIAN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class PersonName:
    first: str = ""
    last: str = ""
    middle: str = ""
    preferred_first: str = ""
    preferred_last: str = ""


@dataclass(frozen=True, slots=True)
class Guardian:
    """A parent or guardian; ``key`` is the export's own identifier, shared by siblings.

    ``restricted``: a custody or no-contact restriction on this guardian for the student whose
    record lists them (so it is per link: the same guardian may be restricted for one child
    only). A restricted guardian is still found in text, but never counts as the student's
    guardian when the policy asks who a recipient is.
    """

    key: str
    name: PersonName
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # street lines: "263 New Street"
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    """A student or a staff member."""

    role: Role
    local_id: str
    name: PersonName
    state_id: str = ""
    birth_date: date | None = None
    directory_opt_out: bool = False
    guardians: tuple[Guardian, ...] = field(default=())
    # The person's own e-mail addresses (a staff member's, a student's): matched exactly, by
    # keyed hash, against a message's recipients and sender; not looked for in text.
    emails: tuple[str, ...] = ()


class RosterFormatError(ValueError):
    """An export that cannot be read, with the file (and row or element) in the message."""
