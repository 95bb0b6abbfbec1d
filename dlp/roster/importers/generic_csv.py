"""Any CSV export, with a mapping from roster fields to its column names.

The mapping is ``field=Column`` pairs, e.g. ``first=First Name,last=Last Name,student_id=ID``.
A row is a student unless a ``role`` column says staff/teacher/... (or ``default_role`` does);
a row with guardian columns adds that guardian to the student. ``email`` is the person's own
address; ``guardian_restricted`` a yes/no column for a custody or no-contact restriction on
that guardian for that student.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from dlp.roster.importers.values import parse_date, parse_flag
from dlp.roster.people import Guardian, Person, PersonName, Role, RosterFormatError

FIELDS = (
    "role",
    "student_id",
    "state_id",
    "first",
    "middle",
    "last",
    "preferred_first",
    "preferred_last",
    "birth_date",
    "opt_out",
    "guardian_first",
    "guardian_last",
    "guardian_email",
    "guardian_phone",
    "guardian_address",
    "guardian_restricted",
    "email",
)
_STAFF_WORDS = ("staff", "teacher", "admin", "aide", "counselor", "principal", "employee")


def parse_mapping(text: str) -> dict[str, str]:
    """``field=Column,field=Column`` into a dict, rejecting unknown fields."""
    mapping: dict[str, str] = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        field, sep, column = pair.partition("=")
        field = field.strip()
        if not sep or not column.strip():
            raise RosterFormatError(f"mapping entry {pair.strip()!r} is not field=Column")
        if field not in FIELDS:
            raise RosterFormatError(f"unknown roster field {field!r}; known: {', '.join(FIELDS)}")
        mapping[field] = column.strip()
    if "first" not in mapping and "student_id" not in mapping:
        raise RosterFormatError("mapping needs at least first/last names or student_id")
    return mapping


def read_generic_csv(
    path: Path, mapping: Mapping[str, str], default_role: Role = Role.STUDENT
) -> Iterator[Person]:
    """The people of the file; a student on several rows (one per guardian, as SIS exports
    write families) is one person with every row's guardians."""
    merged: dict[tuple[Role, str], Person] = {}
    for person in _rows(path, mapping, default_role):
        if not person.local_id:
            yield person
            continue
        key = (person.role, person.local_id)
        known = merged.get(key)
        if known is None:
            merged[key] = person
        else:
            merged[key] = replace(
                known,
                guardians=(*known.guardians, *person.guardians),
                emails=tuple(dict.fromkeys((*known.emails, *person.emails))),
            )
    yield from merged.values()


def _rows(path: Path, mapping: Mapping[str, str], default_role: Role) -> Iterator[Person]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = [c for c in mapping.values() if c not in (reader.fieldnames or [])]
        if missing:
            raise RosterFormatError(f"{path}: no column(s) {', '.join(missing)}")
        for number, row in enumerate(reader, start=2):

            def cell(field: str, row: dict[str, str] = row) -> str:
                column = mapping.get(field)
                return (row.get(column) or "").strip() if column else ""

            role = default_role
            if cell("role"):
                lowered = cell("role").lower()
                role = Role.STAFF if any(w in lowered for w in _STAFF_WORDS) else Role.STUDENT
            birth = cell("birth_date")
            birth_date = parse_date(birth)
            if birth and birth_date is None:
                raise RosterFormatError(f"{path}:{number}: unreadable birth date")
            guardian_name = PersonName(first=cell("guardian_first"), last=cell("guardian_last"))
            guardians: tuple[Guardian, ...] = ()
            if guardian_name.first or guardian_name.last or cell("guardian_email"):
                key = "|".join(
                    (guardian_name.first, guardian_name.last, cell("guardian_email"))
                ).lower()
                guardians = (
                    Guardian(
                        key=key,
                        name=guardian_name,
                        emails=tuple(filter(None, [cell("guardian_email")])),
                        phones=tuple(filter(None, [cell("guardian_phone")])),
                        addresses=tuple(filter(None, [cell("guardian_address")])),
                        restricted=bool(parse_flag(cell("guardian_restricted"))),
                    ),
                )
            yield Person(
                role=role,
                local_id=cell("student_id"),
                state_id=cell("state_id"),
                name=PersonName(
                    first=cell("first"),
                    middle=cell("middle"),
                    last=cell("last"),
                    preferred_first=cell("preferred_first"),
                    preferred_last=cell("preferred_last"),
                ),
                birth_date=birth_date,
                directory_opt_out=bool(parse_flag(cell("opt_out"))),
                guardians=guardians if role == Role.STUDENT else (),
                emails=tuple(filter(None, [cell("email")])),
            )
