"""OneRoster REST records as the CSV bundle a file import reads, so both make the same people.

The REST API's JSON and the CSV binding carry the same fields under nearly the same names;
where they differ the JSON is written the CSV way: ``agents`` as ``agentSourcedIds``,
``userIds`` as ``{type:identifier}`` items, 1.2's ``roles`` as rows of ``roles.csv`` (the
primary role), ``metadata`` as ``metadata.NAME`` columns. The texts stay in memory and go to
`dlp.roster.importers.oneroster.read_oneroster_files`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from dlp.roster.importers.oneroster import read_oneroster_files
from dlp.roster.people import Person

USER_FIELDS = (
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "role",
    "username",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "userMasterIdentifier",
    "preferredFirstName",
    "preferredMiddleName",
    "preferredLastName",
)
DEMOGRAPHIC_FIELDS = ("sourcedId", "status", "dateLastModified", "birthDate", "sex")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, str | int | float) else ""


def _refs(value: object) -> str:
    """GUID references (``[{"sourcedId": ...}, ...]``) as a CSV list of sourcedIds."""
    if not isinstance(value, list):
        return ""
    return ",".join(_text(ref.get("sourcedId")) for ref in value if isinstance(ref, dict))


def _user_ids(value: object) -> str:
    if not isinstance(value, list):
        return ""
    return ",".join(
        "{" + f"{_text(item.get('type'))}:{_text(item.get('identifier'))}" + "}"
        for item in value
        if isinstance(item, dict)
    )


def _metadata(record: dict[str, Any]) -> dict[str, str]:
    extra = record.get("metadata")
    if not isinstance(extra, dict):
        return {}
    return {f"metadata.{name}": _text(value) for name, value in extra.items()}


def user_row(user: dict[str, Any]) -> dict[str, str]:
    row = {name: _text(user.get(name)) for name in USER_FIELDS}
    row["agentSourcedIds"] = _refs(user.get("agents"))
    row["userIds"] = _user_ids(user.get("userIds"))
    row.update(_metadata(user))
    return row


def primary_role(user: dict[str, Any]) -> dict[str, str] | None:
    """1.2: the user's primary role (else its first) as a ``roles.csv`` row."""
    roles = [r for r in user.get("roles") or () if isinstance(r, dict)]
    if not roles:
        return None
    chosen = next((r for r in roles if r.get("roleType") == "primary"), roles[0])
    return {
        "userSourcedId": _text(user.get("sourcedId")),
        "roleType": _text(chosen.get("roleType")),
        "role": _text(chosen.get("role")),
    }


def demographic_row(record: dict[str, Any]) -> dict[str, str]:
    row = {name: _text(record.get(name)) for name in DEMOGRAPHIC_FIELDS}
    row.update(_metadata(record))
    return row


def _csv(rows: Iterable[dict[str, str]]) -> str:
    rows = list(rows)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bundle(
    users: Iterable[dict[str, Any]], demographics: Iterable[dict[str, Any]]
) -> dict[str, str]:
    """The CSV texts, by file name, of these REST records."""
    users = list(users)
    roles = [row for row in map(primary_role, users) if row is not None]
    files = {"users.csv": _csv(map(user_row, users))}
    if roles:
        files["roles.csv"] = _csv(roles)
    demographics = list(demographics)
    if demographics:
        files["demographics.csv"] = _csv(map(demographic_row, demographics))
    return files


def people(
    users: Iterable[dict[str, Any]], demographics: Iterable[dict[str, Any]], where: str
) -> Iterator[Person]:
    """The people of these REST records, read exactly as a file import reads a bundle."""
    return read_oneroster_files(bundle(users, demographics), where)
