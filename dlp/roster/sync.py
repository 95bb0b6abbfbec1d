"""`dlp roster sync`: the roster store from a OneRoster REST API, in full or as a delta.

A full sync reads every user and demographic record; a delta asks only for those whose
``dateLastModified`` is at or after the newest one seen last time (``filter=
dateLastModified>='...'``), applies them to the records kept from before (`sync_state`) and
drops those whose status is ``tobedeleted``. A server that refuses the filter gets a full
sync. Either way the people are read from the records exactly as a file import reads a
bundle (`oneroster_records`), and the store is written as `dlp roster import` writes it; the
state is saved only after the store, so a failed sync changes neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dlp.roster import oneroster_records
from dlp.roster.oneroster_client import FilterRefused, NotOffered, OneRosterClient
from dlp.roster.snapshot import read_info
from dlp.roster.store import ImportReport, RosterStore, RosterStoreError
from dlp.roster.sync_state import SyncState, SyncStateError, load_state, save_state

# (path under the API, the JSON key of its records); users are required, demographics not.
COLLECTIONS = (("users", "users"), ("demographics", "demographics"))
DELETED = "tobedeleted"
DEFAULT_MAX_SHRINK = 0.25  # a graduating class and summer leavers, with room to spare


class ShrinkRefused(ValueError):
    """The sync would drop more of the roster than allowed; nothing was written."""


def _check_shrink(store: RosterStore, people: int, max_shrink: float) -> None:
    if not store.exists() or max_shrink >= 1:
        return
    try:
        counts = read_info(store.path).people
    except RosterStoreError:
        return  # an unreadable store: the import says so itself
    before = counts.get("student", 0) + counts.get("staff", 0)
    if before and people < before * (1 - max_shrink):
        raise ShrinkRefused(
            f"the API gave {people} students and staff where the roster holds {before} "
            f"(more than {max_shrink:.0%} fewer): nothing written; check the API, or allow it "
            "with --max-shrink"
        )


@dataclass(frozen=True, slots=True)
class SyncReport:
    mode: str  # "full" or "delta"
    since: str | None  # the delta's starting point
    fetched: dict[str, int]
    removed: int  # records dropped by a tobedeleted status
    requests: int
    imported: ImportReport
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "since": self.since,
            "fetched": self.fetched,
            "removed": self.removed,
            "requests": self.requests,
            "notes": list(self.notes),
            **self.imported.to_dict(),
        }


def _modified(record: dict[str, Any]) -> datetime | None:
    value = record.get("dateLastModified")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _newest(records: list[dict[str, Any]], since: str | None) -> str | None:
    best, best_text = None, since
    if since is not None:
        best = _modified({"dateLastModified": since})
    for record in records:
        moment = _modified(record)
        if moment is None:
            continue
        if moment.tzinfo is None:
            continue  # a time without a zone cannot be compared safely: not a starting point
        if best is None or moment > best:
            best, best_text = moment, str(record["dateLastModified"])
    return best_text


def _fetch(
    client: OneRosterClient, filter: str | None, notes: list[str]
) -> dict[str, list[dict[str, Any]]]:
    fetched: dict[str, list[dict[str, Any]]] = {}
    for name, key in COLLECTIONS:
        try:
            fetched[name] = list(client.collection(name, key, filter))
        except NotOffered:
            if name == "users":
                raise
            notes.append(f"the server offers no /{name}")
            fetched[name] = []
    return fetched


def sync(
    client: OneRosterClient,
    store: RosterStore,
    state_path: Path,
    source: str,
    api: str,
    full: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
) -> SyncReport:
    """Read the API through ``client`` into ``store``. A sync that would leave fewer than
    ``1 - max_shrink`` of the students and staff the store holds is refused (`ShrinkRefused`):
    an API answering with a fraction of the district (a wrong org, a filter, a half-loaded
    SIS) must not empty the roster the gateway decides with."""
    notes: list[str] = []
    state: SyncState | None = None
    if not full:
        try:
            state = load_state(state_path, store.keys)
        except SyncStateError as error:
            notes.append(f"{error}: a full sync")
        if state is not None and (state.source != source or not state.since):
            notes.append("no delta starting point for this server: a full sync")
            state = None
    fetched: dict[str, list[dict[str, Any]]] | None = None
    if state is not None:
        try:
            fetched = _fetch(client, f"dateLastModified>='{state.since}'", notes)
        except FilterRefused:
            notes.append("the server offers no dateLastModified filter: a full sync")
            state = None
    if fetched is None:
        fetched = _fetch(client, None, notes)
    removed = 0
    if state is None:
        collections = {
            name: {
                str(r.get("sourcedId")): r
                for r in records
                if str(r.get("status", "")).lower() != DELETED
            }
            for name, records in fetched.items()
        }
        removed = sum(
            1 for rs in fetched.values() for r in rs if str(r.get("status")).lower() == DELETED
        )
        since = None
    else:
        collections = {name: dict(state.collections.get(name, {})) for name, _ in COLLECTIONS}
        for name, records in fetched.items():
            for record in records:
                sourced = str(record.get("sourcedId"))
                if str(record.get("status", "")).lower() == DELETED:
                    removed += collections[name].pop(sourced, None) is not None
                else:
                    collections[name][sourced] = record
        since = state.since
    every = [r for records in fetched.values() for r in records]
    new_state = SyncState(source, _newest(every, since), collections)
    people = list(
        oneroster_records.people(
            new_state.records("users"), new_state.records("demographics"), source
        )
    )
    _check_shrink(store, len(people), max_shrink)
    imported = store.import_people(people, f"oneroster-{api}-api", source=source)
    save_state(state_path, new_state, store.keys)
    return SyncReport(
        mode="full" if state is None else "delta",
        since=state.since if state is not None else None,
        fetched={name: len(records) for name, records in fetched.items()},
        removed=removed,
        requests=client.requests,
        imported=imported,
        notes=tuple(notes),
    )
