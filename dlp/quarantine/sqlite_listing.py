"""The held messages of a SQLite quarantine, listed through the standard library's sqlite3.

`dlp quarantine list` is a reviewer's first command, and importing SQLAlchemy alone takes
longer than the rest of it (0.2 s of about 0.5). When the quarantine is a SQLite file that the
store has already set up, this module reads the listing with the same SQL the store's
`QuarantineStore.search` has SQLAlchemy write (`tests/quarantine/test_sqlite_listing.py` holds
the two to one another), on a connection set up as the store sets up its own (`pragmas`).

Anything else goes to the store: another database, a URL with options, a file that is missing
or lacks a table the store would make (the store makes it), or any error of sqlite3 (the store
meets it again and reports it as it always has). So a listing here never differs from the
store's, in what it shows or in what it leaves behind.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import Any, Self

from dlp.quarantine.records import Filters, HeldMessage, held_message

SQLITE_PREFIX = "sqlite:///"
# What `dlp.quarantine.store.open_engine` makes when missing: every table of
# `dlp.quarantine.schema.metadata`, and the indexes of ``quarantine_messages`` (added to a
# table that exists). A file without all of them is opened by the store, which makes them.
STORE_MAKES = frozenset(
    {
        "alert_queue",
        "alert_state",
        "audit_checkpoints",
        "disclosure_records",
        "dlp_decisions",
        "dlp_sender_students",
        "portal_codes",
        "portal_links",
        "portal_sessions",
        "quarantine_accounts",
        "quarantine_blobs",
        "quarantine_false_positives",
        "quarantine_findings",
        "quarantine_message_digests",
        "quarantine_messages",
        "quarantine_outbox",
        "quarantine_recipients",
        "quarantine_settings",
        "upkeep_locks",
        "upkeep_runs",
        "quarantine_messages_received",
        "quarantine_messages_sha256",
        "quarantine_messages_status",
    }
)
# SQLAlchemy's ``contains(..., autoescape=True)``: the value is a substring, never a pattern.
ESCAPE = "/"
_CONTAINS = f"LIKE '%' || ? || '%' ESCAPE '{ESCAPE}'"
_COLUMNS = (
    "id, received, expires, sender, message_id, size, sha256, score, categories, rules, "
    "decision, status, status_time, status_by, note, legal_hold, delivery"
)


def pragmas(connection: Any) -> None:
    """Every connection to a SQLite quarantine, the store's (a SQLAlchemy ``connect`` event)
    and this module's: WAL, fsynced at each commit, foreign keys, a wait for the write lock."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # fsync the WAL at every commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def sqlite_file(url: str) -> str | None:
    """The file a plain ``sqlite:///PATH`` URL names; None for anything SQLAlchemy would read
    more into (options after ``?``, %-escapes, an in-memory database) or for another database."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url.removeprefix(SQLITE_PREFIX)
    if not path or path == ":memory:" or any(mark in path for mark in "?%#@"):
        return None
    return path


def escaped(value: str) -> str:
    """``value`` for `_CONTAINS`, as SQLAlchemy's autoescape writes it."""
    return value.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def conditions(filters: Filters) -> tuple[list[str], list[object]]:
    """The WHERE terms of `QuarantineStore._where` for ``filters``, and their parameters."""
    terms: list[str] = []
    values: list[object] = []
    if filters.since is not None:
        terms.append("quarantine_messages.received >= ?")
        values.append(filters.since)
    if filters.until is not None:
        terms.append("quarantine_messages.received < ?")
        values.append(filters.until)
    if filters.sender:
        terms.append(f"lower(quarantine_messages.sender) {_CONTAINS}")
        values.append(escaped(filters.sender.lower()))
    if filters.recipient:
        terms.append(
            "EXISTS (SELECT * FROM quarantine_recipients WHERE quarantine_recipients.held_id = "
            f"quarantine_messages.id AND quarantine_recipients.lower_address {_CONTAINS})"
        )
        values.append(escaped(filters.recipient.lower()))
    if filters.category:
        terms.append(f"quarantine_messages.categories {_CONTAINS}")
        values.append(escaped(f",{filters.category.upper()},"))
    if filters.rule:
        terms.append(f"quarantine_messages.rules {_CONTAINS}")
        values.append(escaped(f",{filters.rule},"))
    if filters.status is not None:
        terms.append("quarantine_messages.status = ?")
        values.append(filters.status.value)
    if filters.message_id_digest:
        terms.append(
            "EXISTS (SELECT * FROM quarantine_message_digests WHERE "
            "quarantine_message_digests.held_id = quarantine_messages.id AND "
            "quarantine_message_digests.message_id_digest = ?)"
        )
        values.append(filters.message_id_digest)
    return terms, values


def _as_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class SqliteListing:
    """A connection to a SQLite quarantine the store has set up, for `search` alone."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    def open(cls, url: str) -> Self | None:
        """The listing of the quarantine at ``url``; None where the store must open it (see the
        module's docstring), including any error of sqlite3 on the way."""
        path = sqlite_file(url)
        if path is None or not os.path.isfile(path):
            return None
        try:
            connection = sqlite3.connect(path)
        except sqlite3.Error:
            return None
        try:
            connection.row_factory = _as_dict
            pragmas(connection)
            found = connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"
            ).fetchall()
        except sqlite3.Error:
            connection.close()
            return None
        if not STORE_MAKES.issubset(row["name"] for row in found):
            connection.close()
            return None
        return cls(connection)

    def close(self) -> None:
        self.connection.close()

    def search(self, filters: Filters | None = None) -> list[HeldMessage]:
        """What `QuarantineStore.search` returns for ``filters``; raises `sqlite3.Error`."""
        filters = filters or Filters()
        terms, values = conditions(filters)
        where = f" WHERE {' AND '.join(terms)}" if terms else ""
        order = "DESC" if filters.descending else "ASC"
        # The sort key is one of records.SORT_KEYS (Filters checks it): a column name.
        query = (
            f"SELECT {_COLUMNS} FROM quarantine_messages{where} ORDER BY "
            f"quarantine_messages.{filters.sort} {order}, quarantine_messages.id "
            "LIMIT ? OFFSET ?"
        )
        limit = -1 if filters.limit is None else filters.limit
        rows = self.connection.execute(query, [*values, limit, filters.offset]).fetchall()
        addresses = self._recipients([row["id"] for row in rows])
        return [held_message(row, addresses[row["id"]]) for row in rows]

    def _recipients(self, ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {held_id: [] for held_id in ids}
        if not ids:
            return found
        marks = ", ".join("?" * len(ids))
        rows = self.connection.execute(
            "SELECT held_id, address FROM quarantine_recipients "
            f"WHERE held_id IN ({marks}) ORDER BY held_id, position",
            list(ids),
        )
        for row in rows:
            found[row["held_id"]].append(row["address"])
        return found
