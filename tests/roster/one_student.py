"""A roster of one student, Marisol Quintanilla (4512345), for tests outside the roster's own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore

STUDENT_ID = "4512345"
FIRST, LAST = "Marisol", "Quintanilla"


def one_student_roster(path: Path, secret: bytes) -> Path:
    """Import the student into a roster store at ``path``, keyed by ``secret``."""
    RosterStore.open(path, secret).import_people(
        [
            Person(
                Role.STUDENT,
                STUDENT_ID,
                PersonName(FIRST, LAST),
                birth_date=date(2009, 3, 14),
            )
        ],
        "test",
    )
    return path
