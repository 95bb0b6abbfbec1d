"""The disclosure record's table on SQLite and PostgreSQL: appended, read per student (and
since a day), kept through the quarantine's purge, deleted only past its own retention."""

from __future__ import annotations

import pytest

from dlp.actions.disclosures import Basis, DisclosureEntry, DisclosureNote
from dlp.quarantine.disclosures import DAY, MIN_RETENTION_DAYS, DisclosureStore
from dlp.quarantine.store import QuarantineStore
from tests.quarantine.conftest import MESSAGE, OUTSIDE, SENDER

NOW = 1_800_000_000
STUDENT = "a" * 32
SIBLING = "b" * 32


def _entry(student: str, when: int, basis: Basis = Basis.PARENT) -> DisclosureEntry:
    return DisclosureEntry(
        student, "ana.ruiz@gmail.com", when, ("GRADES", "IDENTIFIER"), basis, "", "<rc-#@x>", "v1"
    )


def test_append_read_and_purge(store: QuarantineStore, held_decision, held_scan) -> None:
    records = DisclosureStore(store.engine)
    held = store.hold(MESSAGE, SENDER, [OUTSIDE], held_decision, held_scan, "<rc-1@cusd.com>")
    old = NOW - 4000 * DAY
    records.append([_entry(STUDENT, old), _entry(STUDENT, NOW), _entry(SIBLING, NOW - 10)])
    records.append([_entry(STUDENT, NOW + 5, Basis.RELEASE)])
    mine = records.for_students([STUDENT])
    assert [e.time for e in mine] == [old, NOW, NOW + 5]
    assert mine[1] == _entry(STUDENT, NOW)  # every field as it went in
    assert [e.basis for e in records.for_students([STUDENT], since=NOW)] == [
        Basis.PARENT,
        Basis.RELEASE,
    ]
    assert len(records.for_students([STUDENT, SIBLING])) == 4
    assert records.for_students([]) == []
    # The quarantine's purge destroying a message leaves the record alone (no link to it).
    store.destroy(held, "purge", "retention")
    assert records.count() == 4
    with pytest.raises(ValueError, match="at least"):
        records.purge(MIN_RETENTION_DAYS - 1, NOW)
    assert records.purge(3650, NOW) == 1
    assert [e.time for e in records.for_students([STUDENT])] == [NOW, NOW + 5]


def test_entries_from_a_stored_decision() -> None:
    decision = {
        "roster_version": "0123456789abcdef",
        "disclosure": {"students": [STUDENT], "categories": ["SPECIAL_EDUCATION"]},
        "recipients": [
            {"address": "Ana.Ruiz@Gmail.com", "kind": "external", "family": ["GUARDIAN_OF_ALL"]},
            {"address": "sped@fcoe.example", "kind": "authorized", "authorization": "SELPA (MOU)"},
            {"address": "x@vendor.example", "kind": "external", "intended": "quarantine"},
            {"address": "counselor@cusd.com", "kind": "internal"},
        ],
    }
    note = DisclosureNote(decision, "<m-#@x>")
    delivered = [
        "ana.ruiz@gmail.com",
        "sped@fcoe.example",
        "x@vendor.example",
        "counselor@cusd.com",
    ]
    entries = note.entries(delivered, NOW)
    assert [(e.recipient, e.basis, e.detail) for e in entries] == [
        ("ana.ruiz@gmail.com", Basis.PARENT, ""),
        ("sped@fcoe.example", Basis.AGREEMENT, "SELPA (MOU)"),
        ("x@vendor.example", Basis.OVERRIDE, "the policy is in audit mode"),
    ]  # the internal copy is no disclosure outside the district
    assert {e.roster_version for e in entries} == {"0123456789abcdef"}
    released = DisclosureNote(decision, "<m-#@x>", "checked with the office").entries(
        ["x@vendor.example"], NOW
    )
    assert [(e.basis, e.detail) for e in released] == [(Basis.RELEASE, "checked with the office")]
    assert DisclosureNote({"recipients": decision["recipients"]}, "").entries(delivered, NOW) == []
