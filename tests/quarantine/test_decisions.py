"""The decisions table and a sender's students over 24 hours, on SQLite and PostgreSQL, from
real scans and decisions: metadata only, distinct students across messages, the day's window,
the current message counted in, and the table's own retention."""

from __future__ import annotations

import dataclasses
import json

from dlp.pipeline import scan_message
from dlp.policy import Decision, Policy, decide
from dlp.quarantine import schema
from dlp.quarantine.decisions import DAY, DecisionBook, decision_row, students_in
from dlp.siem.event import sender_digest

T0 = 1_800_000_000.0
SECRET = b"digest-secret"
TEACHER = "teacher@cusd.com"
OUTSIDE = "tutor@gmail.example"


def roster_mail(ids: list[int], number: int = 0) -> bytes:
    """A message with a CSV of student IDs (eight digits, under a "Student ID" header)."""
    rows = "\r\n".join(f"{student},Student {student % 1000},A" for student in ids)
    return (
        f"From: {TEACHER}\r\nTo: {OUTSIDE}\r\nSubject: list {number}\r\n"
        f"Message-ID: <list-{number}@cusd.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain\r\n\r\nThe list.\r\n--b\r\n"
        'Content-Type: text/csv; name="ids.csv"\r\n'
        'Content-Disposition: attachment; filename="ids.csv"\r\n\r\n'
        f"Student ID,Name,Grade\r\n{rows}\r\n--b--\r\n"
    ).encode()


def test_a_row_holds_verdicts_by_kind_rules_and_no_value(
    held_decision: Decision, store_url: str
) -> None:
    row = decision_row(
        held_decision,
        secret=SECRET,
        gateway_id="gw-1",
        held={"someone@gmail.example": "h1"},
        delivered=[],
        now=T0,
    )
    assert row.verdicts == {"external": "quarantine"} and row.verdict == "quarantine"
    assert not row.sent_outside and row.domains == ("gmail.example",)
    assert row.sender_digest == sender_digest(SECRET, TEACHER)
    book = DecisionBook.open(store_url)
    try:
        book.record(row, frozenset({"v:abc"}))  # held: its students are not counted
        assert book.count() == 1 and book.students_24h(row.sender_digest, T0) == 0
        with book.engine.connect() as connection:
            [stored] = [r._asdict() for r in connection.execute(schema.decisions.select())]
    finally:
        book.close()
    assert stored["verdict_external"] == "quarantine" and stored["verdict_internal"] == ""
    assert ",secrets-outside," in stored["rules"] and stored["held_id"] == "h1"
    text = json.dumps(stored)
    assert "536-22" not in text and TEACHER not in text


def test_students_are_counted_across_messages_over_one_day(
    scanner: object, policy: Policy, store_url: str
) -> None:
    scans = [
        scan_message(
            roster_mail(list(range(20230101 + 37 * n, 20230101 + 37 * n + 37 * 4, 37)), n), scanner
        )  # type: ignore[arg-type]
        for n in range(3)
    ]
    keys = [students_in(scan) for scan in scans]
    assert [len(k) for k in keys] == [4, 4, 4]
    assert len(keys[0] | keys[1] | keys[2]) == 6  # each list shares three with the next
    assert all(key.startswith(("v:", "s:")) for key in keys[0])
    book = DecisionBook.open(store_url)
    try:
        digest = ""
        for n, (scan, students) in enumerate(zip(scans, keys, strict=True)):
            decision = decide(policy, TEACHER, [OUTSIDE], scan)
            row = decision_row(
                decision,
                secret=SECRET,
                gateway_id=f"gw-{n}",
                held={},
                delivered=[OUTSIDE],
                now=T0 + n * 3600,
            )
            digest = row.sender_digest
            if not row.sent_outside:  # the sample policy holds them: recorded as if audited
                row = dataclasses.replace(row, verdicts={"external": "deliver"})
            book.record(row, students)
        assert book.students_24h(digest, T0 + 2 * 3600) == 6
        # The current message counted in: one new student on top of the day's six.
        assert book.students_24h(digest, T0 + 2 * 3600, frozenset({"v:new"})) == 7
        # A day after the first message, its students fall out (three of its four remain).
        assert book.students_24h(digest, T0 + DAY + 1) == 5
        assert book.students_24h(sender_digest(SECRET, "other@cusd.com"), T0) == 0
        assert book.purge(T0 + DAY + 2 * 3600, retention_days=1) == (2, 12)
        assert book.count() == 1
    finally:
        book.close()
