"""Readers for SIS exports; each yields clear `Person` records, kept in memory only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from dlp.roster.importers.edfi import looks_like_edfi, read_edfi
from dlp.roster.importers.generic_csv import read_generic_csv
from dlp.roster.importers.oneroster import looks_like_oneroster, read_oneroster
from dlp.roster.people import Person, Role, RosterFormatError

FORMATS = ("auto", "oneroster", "edfi", "csv")


def detect_format(path: Path, mapping: Mapping[str, str] | None) -> str:
    if not path.exists():
        raise RosterFormatError(f"{path}: no such file or folder")
    if mapping:
        return "csv"
    if looks_like_oneroster(path):
        return "oneroster"
    if looks_like_edfi(path):
        return "edfi"
    raise RosterFormatError(
        f"{path}: not a OneRoster bundle or Ed-Fi XML; for another CSV pass --map"
    )


def read_roster(
    path: Path,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    default_role: Role = Role.STUDENT,
) -> tuple[str, Iterator[Person]]:
    """(the format used, the people) for an export at ``path``."""
    chosen = detect_format(path, mapping) if format == "auto" else format
    if chosen == "oneroster":
        return chosen, read_oneroster(path)
    if chosen == "edfi":
        return chosen, read_edfi(path)
    if chosen == "csv":
        if not mapping:
            raise RosterFormatError("a generic CSV needs a column mapping (--map field=Column,...)")
        return chosen, read_generic_csv(path, mapping, default_role)
    raise RosterFormatError(f"unknown roster format {format!r}; known: {', '.join(FORMATS)}")
