"""Limits that hold: the scan time limit covers the whole scan and the decision, off the event
loop; the findings a message can bring are capped per entity type, and counts past the cap are
marked as lower bounds. Real gateway, real scanning processes, loopback sockets."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dlp.audit import AuditLog
from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.sink import Sink

FAULTY = "tests.gateway.faulty:build"
SSN = "536-22-1234"


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def phone_numbers(count: int, after: str = "", **headers: str) -> bytes:
    lines = [
        "From: teacher@cusd.com",
        "To: someone@example.org",
        "Subject: call list",
        f"Message-ID: <call-list-{count}@cusd.com>",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        "",
        *(f"Call 415-555-{n % 10000:04d} today." for n in range(count)),
        after,
        "",
    ]
    return "\r\n".join(lines).encode()


def test_time_limit_covers_the_decision_and_the_loop_stays_free(tmp_path: Path, sink: Sink) -> None:
    """20,000 phone numbers scanned, then a decision that would take an hour: 451 at the limit,
    and another client's EHLO answered at once meanwhile."""
    limit = 5.0
    settings = make_settings(tmp_path, f"scan_timeout = {limit}\n", next_hop_port=sink.port)
    raw = phone_numbers(20_000, X_Test_Slow_Decision="yes")
    with RunningGateway(settings, scan_builder=FAULTY) as running, ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(running.send, raw, "teacher@cusd.com", ["someone@example.org"])
        round_trips: list[float] = []
        with running.client() as other:
            while not pending.done():
                sent = time.monotonic()
                assert other.ehlo()[0] == 250
                round_trips.append(time.monotonic() - sent)
                time.sleep(0.05)
        code, reply = pending.result()
        elapsed = time.monotonic() - started
        # The limit's own rule (on_scan_failure = "tempfail"): the sender keeps the message.
        assert code == 451 and reply.startswith("4.3.0"), reply
        assert limit * 0.9 <= elapsed < limit + 4, elapsed
        assert len(round_trips) >= 10
        assert max(round_trips) < 1.0, max(round_trips)
        # The stuck process was replaced: the next message is checked as usual.
        code, reply = running.send(phone_numbers(3), "teacher@cusd.com", ["someone@example.org"])
        assert code == 250, reply


def test_ssn_after_ten_thousand_phone_numbers_is_found_and_counts_are_lower_bounds(
    tmp_path: Path, sink: Sink
) -> None:
    settings = make_settings(tmp_path, "max_findings_per_type = 500\n", next_hop_port=sink.port)
    raw = phone_numbers(10_000, after=f"Employee SSN: {SSN}")
    with RunningGateway(settings) as running:
        code, reply = running.send(raw, "teacher@cusd.com", ["someone@example.org"])
        assert running.holder is not None
        held = running.holder.held
    # Held for the SSN (the sample policy's "secrets-outside"), not delivered.
    assert code == 250, reply
    assert [recipients for _, recipients in held] == [("someone@example.org",)]

    audit_file = settings.audit_file
    assert audit_file is not None
    [entry] = [e for e in AuditLog(audit_file).entries() if e["event"] == "gateway-decision"]
    found = {item["entity_type"]: item for item in entry["findings"]}  # type: ignore[union-attr]
    assert found["PHONE_NUMBER"]["count"] == 500
    assert found["PHONE_NUMBER"]["lower_bound"] is True
    assert found["PHONE_NUMBER"]["beyond_cap"] == 9500
    assert found["US_SSN"]["count"] == 1 and "lower_bound" not in found["US_SSN"]
    [recipient] = entry["recipients"]  # type: ignore[misc]
    assert "secrets-outside" in recipient["rules"]
    assert SSN not in audit_file.read_text()

    # The quarantine's record: the decision marks the bound, and only the kept findings are rows.
    with sqlite3.connect(tmp_path / "quarantine.db") as database:
        [(decision_json,)] = database.execute("SELECT decision FROM quarantine_messages")
        rows = dict(
            database.execute(
                "SELECT entity_type, count(*) FROM quarantine_findings GROUP BY entity_type"
            ).fetchall()
        )
    decision = json.loads(decision_json)
    summaries = {item["entity_type"]: item for item in decision["findings"]}
    assert summaries["PHONE_NUMBER"]["lower_bound"] is True
    assert summaries["PHONE_NUMBER"]["beyond_cap"] == 9500
    assert "lower_bound" not in summaries["US_SSN"]
    assert rows == {"PHONE_NUMBER": 500, "US_SSN": 1}
    explanations = " ".join(
        rule["explanation"] for item in decision["recipients"] for rule in item["rules"]
    )
    assert "1 Social Security number" in explanations
