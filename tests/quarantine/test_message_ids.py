"""Held messages are found by their whole Message-ID, which is kept only masked: on SQLite and
PostgreSQL, and in a quarantine made before the digests had a table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from dlp.identifiers import message_id_digest
from dlp.model import ScanResult
from dlp.policy import Decision
from dlp.quarantine.records import Filters
from dlp.quarantine.store import QuarantineStore
from tests.conftest import TEST_SECRET
from tests.quarantine.conftest import KEY, MESSAGE, OUTSIDE, SENDER

MESSAGE_ID = "<roster-1@cusd.com>"  # MESSAGE's own


def test_found_by_the_whole_message_id(
    store: QuarantineStore, held_decision: Decision, held_scan: ScanResult
) -> None:
    assert held_scan.message_id is not None
    held = store.hold(
        MESSAGE, SENDER, [OUTSIDE], held_decision, held_scan, held_scan.message_id.masked
    )
    other = store.hold(MESSAGE, SENDER, [OUTSIDE], held_decision, ScanResult(), "<x@cusd.com>")
    for written in (MESSAGE_ID, "roster-1@cusd.com", " <roster-1@CUSD.com> "):
        found = store.search(Filters(message_id_digest=message_id_digest(TEST_SECRET, written)))
        assert [message.id for message in found] == [held], written
    wrong = message_id_digest(TEST_SECRET, "<roster-2@cusd.com>")
    assert store.search(Filters(message_id_digest=wrong)) == []
    assert {m.id for m in store.search(Filters())} == {held, other}


def test_an_older_quarantine_gains_the_digest_table(
    tmp_path: Path, held_decision: Decision, held_scan: ScanResult
) -> None:
    url = f"sqlite:///{tmp_path / 'quarantine.db'}"
    store = QuarantineStore.open(url, KEY)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE quarantine_message_digests"))
    store.close()
    store = QuarantineStore.open(url, KEY)
    try:
        held = store.hold(MESSAGE, SENDER, [OUTSIDE], held_decision, held_scan, "<m@cusd.com>")
        digest = message_id_digest(TEST_SECRET, MESSAGE_ID)
        assert [m.id for m in store.search(Filters(message_id_digest=digest))] == [held]
    finally:
        store.close()
