"""The stored roster holds no clear value: every byte of the file is searched for each one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ahocorasick

from dlp.roster.importers import read_roster
from dlp.roster.people import Person
from dlp.roster.store import RosterStore

from .conftest import PEOPLE, SECRET

# Shorter values ("Ty", "Dye") occur by chance in any few hundred kilobytes of random hash bytes.
MIN_SEARCHED_CHARS = 4


def _dates(value: date) -> list[str]:
    return [
        value.isoformat(),
        f"{value.month:02d}/{value.day:02d}/{value.year}",
        f"{value.month}/{value.day}/{value.year}",
        f"{value.year}{value.month:02d}{value.day:02d}",
    ]


def clear_values(people: list[Person]) -> set[str]:
    values: set[str] = set()
    for person in people:
        name = person.name
        parts = [person.local_id, person.state_id, name.first, name.middle, name.last]
        parts += [name.preferred_first, name.preferred_last, f"{name.first} {name.last}"]
        if person.birth_date:
            parts += _dates(person.birth_date)
        parts += [*person.emails, *(email.lower() for email in person.emails)]
        for guardian in person.guardians:
            parts += [guardian.name.first, guardian.name.last, *guardian.emails]
            parts += [*guardian.phones, *guardian.addresses]
            parts += ["".join(ch for ch in phone if ch.isdigit()) for phone in guardian.phones]
        values.update(p for p in parts if len(p) >= MIN_SEARCHED_CHARS)
    return values


def assert_no_clear_value(path: Path, people: list[Person]) -> int:
    """Search the file's bytes for every value, in several cases and encodings, in one pass."""
    automaton = ahocorasick.Automaton()
    for value in clear_values(people):
        for variant in {value, value.lower(), value.upper(), value.casefold()}:
            for encoded in (variant.encode("utf-8"), variant.encode("utf-16-le")):
                automaton.add_word(encoded.decode("latin-1"), len(encoded))
    automaton.make_automaton()
    stored = path.read_bytes().decode("latin-1")  # one character per byte
    assert next(automaton.iter(stored), None) is None, f"a roster value is in clear in {path.name}"
    return len(automaton)


def test_small_roster_file_has_no_clear_value(small_store: RosterStore) -> None:
    assert assert_no_clear_value(small_store.path, PEOPLE) > 100


def test_grand_bend_roster_file_has_no_clear_value(grand_bend: Path, tmp_path: Path) -> None:
    people = list(read_roster(grand_bend)[1])
    store = RosterStore.open(tmp_path / "grand-bend.npz", SECRET)
    store.import_people(people, "edfi")
    assert [p.name for p in tmp_path.iterdir()] == ["grand-bend.npz"]
    assert assert_no_clear_value(store.path, people) > 10_000
