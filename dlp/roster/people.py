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
    """A parent or guardian; ``key`` is the export's own identifier, shared by siblings."""

    key: str
    name: PersonName
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # street lines: "263 New Street"


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


class RosterFormatError(ValueError):
    """An export that cannot be read, with the file (and row or element) in the message."""
