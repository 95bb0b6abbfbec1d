"""OneRoster 1.1 and 1.2 CSV bundles: a folder or a .zip with users.csv (and demographics.csv).

1.1 keeps the role in users.csv; 1.2 moves it to roles.csv and adds preferred names and
``userMasterIdentifier``. Guardians (roles guardian, parent, relative) are linked to students
through ``agentSourcedIds`` in either direction. The directory opt-out is not part of the
standard; a ``metadata.directoryOptOut``-like column (see `OPT_OUT_HEADERS`) is honoured, and
so is a custody or no-contact restriction on a guardian's row (``metadata.restricted``,
``metadata.noContact``, ...: `RESTRICTED_HEADERS`), which holds for all their students. Every
user's ``email`` is kept (exactly, as a keyed hash) to recognise them as a recipient.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from dlp.roster.importers.values import (
    OPT_OUT_HEADERS,
    RESTRICTED_HEADERS,
    header_key,
    parse_date,
    parse_flag,
)
from dlp.roster.people import Guardian, Person, PersonName, Role, RosterFormatError

STUDENT_ROLES = frozenset({"student"})
GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})
STAFF_ROLES = frozenset(
    {
        "teacher",
        "administrator",
        "aide",
        "proctor",
        "districtadministrator",
        "siteadministrator",
        "systemadministrator",
        "principal",
        "counselor",
    }
)

Row = dict[str, str]


def _bundle_files(path: Path) -> dict[str, str]:
    """File name (lower case) -> text, for the CSV files of a folder or zip."""
    files: dict[str, str] = {}
    if path.is_dir():
        for file in path.glob("*.csv"):
            files[file.name.lower()] = file.read_text(encoding="utf-8-sig")
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.rsplit("/", 1)[-1].lower()
                if name.endswith(".csv"):
                    files[name] = archive.read(info).decode("utf-8-sig")
    return files


def looks_like_oneroster(path: Path) -> bool:
    if path.is_dir():
        return (path / "users.csv").is_file()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return any(n.rsplit("/", 1)[-1].lower() == "users.csv" for n in archive.namelist())
    return False


def _rows(files: Mapping[str, str], name: str) -> list[Row]:
    text = files.get(name)
    if text is None:
        return []
    reader = csv.DictReader(io.StringIO(text))
    return [{header_key(k or ""): (v or "").strip() for k, v in row.items()} for row in reader]


def _user_ids(row: Row) -> dict[str, str]:
    """``{type:value}`` pairs from the ``userIds`` column."""
    found: dict[str, str] = {}
    for item in row.get("userids", "").split(","):
        item = item.strip().strip("{}")
        if ":" in item:
            kind, value = item.split(":", 1)
            found[kind.strip().lower()] = value.strip()
    return found


def _state_id(row: Row) -> str:
    for kind, value in _user_ids(row).items():
        if "state" in kind:
            return value
    return row.get("usermasteridentifier", "")


def _opt_out(*rows: Row) -> bool:
    return any(_flagged(row, OPT_OUT_HEADERS) for row in rows)


def _flagged(row: Row, headers: frozenset[str]) -> bool:
    return any(bool(parse_flag(value)) for key, value in row.items() if key in headers)


def _name(row: Row) -> PersonName:
    return PersonName(
        first=row.get("givenname", ""),
        middle=row.get("middlename", ""),
        last=row.get("familyname", ""),
        preferred_first=row.get("preferredgivenname", "") or row.get("preferredfirstname", ""),
        preferred_last=row.get("preferredfamilyname", "") or row.get("preferredlastname", ""),
    )


def read_oneroster(path: Path) -> Iterator[Person]:
    yield from read_oneroster_files(_bundle_files(path), str(path))


def read_oneroster_files(files: Mapping[str, str], where: str) -> Iterator[Person]:
    """The people of a bundle's CSV texts, by lower-case file name (``where`` names it in
    errors); `dlp.roster.oneroster_records` hands the REST API's records in this way too."""
    users = _rows(files, "users.csv")
    if not users:
        raise RosterFormatError(f"{where}: no users.csv rows (not a OneRoster bundle?)")
    if "sourcedid" not in users[0]:
        raise RosterFormatError(f"{where}: users.csv has no sourcedId column")
    roles = {
        r.get("usersourcedid", ""): r.get("role", "").lower() for r in _rows(files, "roles.csv")
    }
    demographics = {r.get("sourcedid", ""): r for r in _rows(files, "demographics.csv")}
    live = [u for u in users if u.get("status", "").lower() != "tobedeleted"]

    def role_of(user: Row) -> str:
        return header_key(user.get("role", "") or roles.get(user["sourcedid"], ""))

    guardians: dict[str, Guardian] = {}
    guardian_agents: dict[str, list[str]] = {}
    for user in live:
        if role_of(user) in GUARDIAN_ROLES:
            sourced = user["sourcedid"]
            phones = tuple(p for p in (user.get("phone", ""), user.get("sms", "")) if p)
            guardians[sourced] = Guardian(
                key=sourced,
                name=_name(user),
                emails=(user["email"],) if user.get("email") else (),
                phones=phones,
                restricted=_flagged(user, RESTRICTED_HEADERS),
            )
            guardian_agents[sourced] = _agents(user)
    # The other direction (a guardian naming their students), indexed by student so each
    # student's guardians are one lookup: import stays linear in the bundle's size.
    guardians_of: dict[str, list[str]] = {}
    for guardian_id, students in guardian_agents.items():
        for student_id in dict.fromkeys(students):
            guardians_of.setdefault(student_id, []).append(guardian_id)
    for user in live:
        role = role_of(user)
        if role in GUARDIAN_ROLES:
            continue
        if role not in STUDENT_ROLES and role not in STAFF_ROLES:
            continue
        sourced = user["sourcedid"]
        demographic = demographics.get(sourced, {})
        linked = [guardians[a] for a in _agents(user) if a in guardians]
        linked += [
            guardians[g] for g in guardians_of.get(sourced, ()) if guardians[g] not in linked
        ]
        yield Person(
            role=Role.STUDENT if role in STUDENT_ROLES else Role.STAFF,
            local_id=user.get("identifier", "") or sourced,
            state_id=_state_id(user),
            name=_name(user),
            birth_date=parse_date(demographic.get("birthdate", "")),
            directory_opt_out=_opt_out(user, demographic),
            guardians=tuple(linked) if role in STUDENT_ROLES else (),
            emails=(user["email"],) if user.get("email") else (),
        )


def _agents(user: Row) -> list[str]:
    return [a.strip() for a in user.get("agentsourcedids", "").split(",") if a.strip()]
