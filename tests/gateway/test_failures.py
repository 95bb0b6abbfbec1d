"""Never lose a message: next hop down, scanner crash and timeout, saturation, a burst of
clients, a policy reload and a graceful shutdown, all on loopback with real processes."""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dlp.audit import verify
from tests.gateway.harness import REPO, RunningGateway, make_settings, plain, scenario
from tests.gateway.sink import Sink, free_port

FAULTY = "tests.gateway.faulty:build"


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


@pytest.fixture(scope="module")
def faulty(sink: Sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    tmp = tmp_path_factory.mktemp("faulty")
    settings = make_settings(tmp, "scan_timeout = 2\n", next_hop_port=sink.port)
    with RunningGateway(settings, scan_builder=FAULTY) as running:
        yield running


def test_next_hop_down_gives_451_and_nothing_is_lost(tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(tmp_path, next_hop_port=port)
    with RunningGateway(settings) as running:
        code, reply = running.send(plain("down"), "a@cusd.com", ["b@example.org"])
        assert code == 451 and reply.startswith("4.4.1"), reply
        # The sender keeps it and tries again once the next hop is back: then it goes through.
        with Sink(port=port) as sink:
            code, reply = running.send(plain("down"), "a@cusd.com", ["b@example.org"])
            assert code == 250, reply
            assert sink.handler.all_recipients() == ["b@example.org"]


def puts_off_once(address: str) -> Callable[[str], str | None]:
    """A next hop's RCPT reply: 451 the first time it sees ``address``, then OK."""
    seen: set[str] = set()

    def reply(recipient: str) -> str | None:
        if recipient == address and recipient not in seen:
            seen.add(recipient)
            return "451 4.3.0 try again later"
        return None

    return reply


def test_a_retry_after_a_partial_failure_sends_no_second_copy(tmp_path: Path) -> None:
    # The next hop takes the first recipient and puts the second off once: the gateway
    # answers 451 and the sender tries the whole message again. The retry reaches only the
    # recipient still waiting; the first has its one copy.
    with Sink() as sink:
        sink.handler.rcpt_reply = puts_off_once("later@example.org")
        settings = make_settings(tmp_path, next_hop_port=sink.port)
        with RunningGateway(settings) as running:
            message = plain("partial")
            recipients = ["first@example.org", "later@example.org"]
            code, reply = running.send(message, "a@cusd.com", recipients)
            assert code == 451, reply
            assert sink.handler.all_recipients() == ["first@example.org"]
            code, reply = running.send(message, "a@cusd.com", recipients)
            assert code == 250, reply
            assert sink.handler.all_recipients() == ["first@example.org", "later@example.org"]
            # Another message, or the same one from another sender, is not a retry.
            code, reply = running.send(message, "b@cusd.com", recipients)
            assert code == 250, reply
            assert sink.handler.all_recipients()[2:] == recipients


def test_a_message_split_over_transactions_keeps_each_ones_record(tmp_path: Path) -> None:
    # An MTA with a recipient limit sends one message in two transactions. The second
    # completing must not make the first one's retry send its delivered recipient a copy again.
    with Sink() as sink:
        sink.handler.rcpt_reply = puts_off_once("later@example.org")
        with RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running:
            message = plain("split")
            first = ["first@example.org", "later@example.org"]
            assert running.send(message, "a@cusd.com", first)[0] == 451
            assert running.send(message, "a@cusd.com", ["third@example.org"])[0] == 250
            assert running.send(message, "a@cusd.com", first)[0] == 250
            assert sorted(sink.handler.all_recipients()) == [
                "first@example.org",
                "later@example.org",
                "third@example.org",
            ]


def test_an_unwritable_audit_log_stops_a_message_before_any_copy(tmp_path: Path) -> None:
    # The decision goes on the audit log before any action: when it cannot be written, nothing
    # is done (451) and the sender's retry, once the log is back, delivers each copy once.
    with (
        Sink() as sink,
        RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running,
    ):
        audit = tmp_path / "audit.log"
        audit.unlink(missing_ok=True)
        audit.mkdir()  # appending to it fails
        message = plain("audited", "Student SSN 536-22-1234")
        recipients = ["b@cusd.com", "c@cusd.com"]
        code, reply = running.send(message, "a@cusd.com", recipients)
        assert code == 451, reply
        assert sink.handler.all_recipients() == []
        audit.rmdir()
        code, reply = running.send(message, "a@cusd.com", recipients)
        assert code == 250, reply
        assert sorted(sink.handler.all_recipients()) == recipients
        assert "gateway-decision" in audit.read_text()


def _events(records: list[logging.LogRecord], event: str) -> list[dict[str, object]]:
    found = [getattr(record, "fields", {}) for record in records]
    return [fields for fields in found if fields.get("event") == event]


def test_an_audit_failure_after_delivery_keeps_the_250(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    audit = tmp_path / "audit.log"
    away = tmp_path / "audit.log.away"

    def break_the_log() -> None:
        # The copy reaches the next hop: the decision is on the log already. Now the log
        # cannot be appended to (a folder in its place) until the test puts it back.
        if audit.exists():
            audit.rename(away)
        audit.mkdir()

    caplog.set_level(logging.WARNING)
    with (
        Sink() as sink,
        RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running,
    ):
        sink.handler.data_reply = break_the_log
        code, reply = running.send(
            plain("audited", "Student SSN 536-22-1234"), "a@cusd.com", ["b@cusd.com"]
        )
        sink.handler.data_reply = lambda: None
        assert code == 250, reply
        assert sink.handler.all_recipients() == ["b@cusd.com"]
        (failed,) = _events(caplog.records, "audit-append-failed")
        assert failed["record"] == "gateway-outcome"
        audit.rmdir()
        away.rename(audit)
        # Tried again in the background: the outcome joins the chain once the log is back.
        deadline = time.monotonic() + 20
        while "gateway-outcome" not in audit.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    events = [json.loads(line)["event"] for line in audit.read_text().splitlines()]
    assert events == ["gateway-decision", "gateway-outcome"]
    assert verify(audit).ok


def test_a_torn_audit_log_is_set_aside_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # 40 bytes cut off the end of the log: found at start, the torn tail moved aside, the fact
    # audited and alerted, and mail goes on with 250 (it was 451 for every flagged message).
    port = free_port()
    settings = make_settings(tmp_path, next_hop_port=port)
    audit = tmp_path / "audit.log"
    flagged = plain("audited", "Student SSN 536-22-1234")
    with Sink(port=port) as sink:
        with RunningGateway(settings) as running:
            assert running.send(flagged, "a@cusd.com", ["b@cusd.com"])[0] == 250
        whole = audit.read_bytes()
        audit.write_bytes(whole[:-40])
        torn = whole[whole.rstrip(b"\n").rfind(b"\n") + 1 : -40]
        caplog.set_level(logging.WARNING)
        with RunningGateway(settings) as running:
            (aside,) = tmp_path.glob("audit.log.torn-*")
            assert aside.read_bytes() == torn
            assert _events(caplog.records, "audit-log-damaged")
            assert [r.levelno for r in caplog.records if "set aside" in r.getMessage()] == [
                logging.ERROR
            ]
            code, reply = running.send(flagged, "a@cusd.com", ["c@cusd.com"])
            assert code == 250, reply
        assert sorted(sink.handler.all_recipients()) == ["b@cusd.com", "c@cusd.com"]
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [entry["event"] for entry in entries] == [
        "gateway-decision",
        "audit-tail-set-aside",
        "gateway-decision",
        "gateway-outcome",
    ]
    assert entries[1]["set_aside"] == aside.name and entries[1]["bytes"] == len(torn)
    assert verify(audit).ok
    # The checkpoint signed when the first gateway stopped still vouches for the lost entry.
    from dlp.quarantine.checkpoints import CheckpointBook

    book = CheckpointBook.open(settings.quarantine.url)
    try:
        signed = book.checkpoints()
    finally:
        book.close()
    assert signed and not verify(audit, None, signed).ok


def test_scanner_crash_gives_451_and_the_worker_is_replaced(
    faulty: RunningGateway, sink: Sink
) -> None:
    code, reply = faulty.send(plain(X_Test_Crash="yes"), "a@cusd.com", ["b@example.org"])
    assert code == 451 and reply.startswith("4.3.0"), reply
    code, reply = faulty.send(plain("after crash"), "a@cusd.com", ["b@example.org"])
    assert code == 250, reply


def test_scanner_timeout_gives_451(faulty: RunningGateway) -> None:
    started = time.monotonic()
    code, reply = faulty.send(plain(X_Test_Hang="yes"), "a@cusd.com", ["b@example.org"])
    assert code == 451, reply
    assert time.monotonic() - started < 15
    code, reply = faulty.send(plain("after hang"), "a@cusd.com", ["b@example.org"])
    assert code == 250, reply


def test_connections_are_served_while_every_worker_is_busy(faulty: RunningGateway) -> None:
    with ThreadPoolExecutor(1) as pool:
        hanging = pool.submit(
            faulty.send, plain("hang", X_Test_Hang="yes"), "a@cusd.com", ["b@example.org"]
        )
        deadline = time.monotonic() + 10
        while not faulty.gateway.pool.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        assert faulty.gateway.pool.busy == 1  # the only worker is stuck in a scan
        started = time.monotonic()
        with faulty.client() as client:
            assert client.ehlo()[0] == 250
            assert client.noop()[0] == 250
        assert time.monotonic() - started < 1.0
        assert hanging.result(30)[0] == 451


def test_scanner_error_gives_451(faulty: RunningGateway) -> None:
    code, reply = faulty.send(plain(X_Test_Raise="yes"), "a@cusd.com", ["b@example.org"])
    assert code == 451, reply


def test_quarantine_down_gives_451(faulty: RunningGateway, sink: Sink) -> None:
    assert faulty.holder is not None
    faulty.holder.fail = True
    try:
        raw = scenario("iep_to_parent_personal_address.eml")
        code, reply = faulty.send(raw, "mlopez@cusd.com", ["parent.jones1984@gmail.com"])
    finally:
        faulty.holder.fail = False
    assert code == 451 and "could not be held" in reply, reply


def test_scan_failure_decided_by_policy(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(
        tmp_path, 'scan_timeout = 2\non_scan_failure = "policy"\n', next_hop_port=sink.port
    )
    with RunningGateway(settings, scan_builder=FAULTY) as running:
        code, reply = running.send(
            plain(X_Test_Crash="yes"), "a@cusd.com", ["inside@cusd.com", "outside@gmail.com"]
        )
        assert code == 250, reply
        # The sample policy: unreadable content is delivered inside, held outside.
        assert "inside@cusd.com" in sink.handler.all_recipients()
        assert running.holder is not None
        assert running.holder.recipients() == ["outside@gmail.com"]


def _send_quietly(running: RunningGateway, index: int, raw: bytes) -> tuple[int, str]:
    try:
        return running.send(raw, "a@cusd.com", [f"r{index}@example.org"])
    except (smtplib.SMTPException, OSError) as error:
        return 0, f"{type(error).__name__}: {error}"


def test_saturation_gives_4xx_back_pressure(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(tmp_path, "max_pending = 1\n", next_hop_port=sink.port)
    sink.handler.received.clear()
    with RunningGateway(settings, scan_builder=FAULTY) as running:
        raws = [plain(f"slow {i}", X_Test_Slow="yes") for i in range(8)]
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda item: _send_quietly(running, *item), enumerate(raws)))
    codes = [code for code, _ in results]
    assert set(codes) <= {250, 451}, results
    assert 451 in codes and 250 in codes
    assert len(sink.handler.all_recipients()) == codes.count(250)


def test_burst_every_message_accounted_for(tmp_path: Path, sink: Sink) -> None:
    """Concurrent clients, a mix of verdicts: every message is delivered, held or temp-failed,
    and the counts match what the next hop and the quarantine have."""
    # Room for every client in the waiting line: this test is about accounting, not back-pressure.
    settings = make_settings(tmp_path, "workers = 2\nmax_pending = 40\n", next_hop_port=sink.port)
    sink.handler.received.clear()
    iep = scenario("iep_to_parent_personal_address.eml")
    jobs = []
    for index in range(60):
        if index % 3 == 0:
            jobs.append((iep, "mlopez@cusd.com", [f"parent{index}@gmail.com"]))
        else:
            jobs.append((plain(f"burst {index}"), "a@cusd.com", [f"r{index}@example.org"]))
    with RunningGateway(settings) as running:

        def send(job: tuple[bytes, str, list[str]]) -> tuple[int, str]:
            try:
                return running.send(*job)
            except (smtplib.SMTPException, OSError) as error:
                return 0, repr(error)

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(send, jobs))
        assert running.holder is not None
        held = running.holder.recipients()
    codes = [code for code, _ in results]
    # Sender notices (null sender) are the gateway's own mail, not the burst's.
    delivered = [
        address for item in sink.received if item.sender != "<>" for address in item.recipients
    ]
    for (_, _, recipients), code in zip(jobs, codes, strict=True):
        address = recipients[0]
        if code == 250:
            assert (address in delivered) != (address in held), address
        else:
            assert code == 451 and address not in delivered and address not in held
    assert codes.count(250) >= 55, results
    assert len(delivered) + len(held) == codes.count(250)


def test_policy_reload(tmp_path: Path, sink: Sink) -> None:
    policy = tmp_path / "policy.toml"
    original = (REPO / "samples" / "policy.toml").read_text()
    policy.write_text(original)
    settings = make_settings(tmp_path, next_hop_port=sink.port)
    settings = type(settings)(**{**_fields(settings), "policy_file": policy})
    with RunningGateway(settings) as running:
        before = running.gateway.relay.bundle.version
        policy.write_text(original.replace('mode = "enforce"', "mode = [broken"))
        assert not running.gateway.reload()
        assert running.gateway.relay.bundle.version == before
        code, _ = running.send(plain("kept"), "a@cusd.com", ["b@example.org"])
        assert code == 250
        policy.write_text(original.replace('mode = "enforce"', 'mode = "audit"'))
        assert running.gateway.reload()
        after = running.gateway.relay.bundle.version
        assert after != before
        # Audit mode: the held IEP now goes through, stamped with the new version.
        sink.handler.received.clear()
        raw = scenario("iep_to_parent_personal_address.eml")
        code, reply = running.send(raw, "mlopez@cusd.com", ["parent.jones1984@gmail.com"])
        assert code == 250, reply
        copies = [
            item for item in sink.received if item.recipients == ["parent.jones1984@gmail.com"]
        ]
        assert copies and after.encode() in copies[0].data


def _fields(settings: object) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}  # type: ignore[attr-defined]


def test_graceful_shutdown_drains_in_flight(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(tmp_path, next_hop_port=sink.port)
    sink.handler.received.clear()
    release = threading.Event()
    original = sink.handler.data_reply

    def slow_next_hop() -> None:
        release.wait(10)

    sink.handler.data_reply = lambda: slow_next_hop()  # type: ignore[func-returns-value]
    running = RunningGateway(settings).__enter__()
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(running.send, plain("in flight"), "a@cusd.com", ["b@example.org"])
            deadline = time.monotonic() + 10
            while not len(running.gateway.in_flight) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(running.gateway.in_flight) == 1
            stopping = asyncio.run_coroutine_threadsafe(running.gateway.stop(), running.loop)
            time.sleep(0.2)
            # No new mail while draining...
            with pytest.raises((smtplib.SMTPException, OSError)):
                running.send(plain("late"), "a@cusd.com", ["c@example.org"])
            release.set()
            # ...and the message in flight finishes with its 250.
            assert pending.result(20)[0] == 250
            stopping.result(30)
    finally:
        sink.handler.data_reply = original
        running.loop.call_soon_threadsafe(running.loop.stop)
        running.thread.join(10)
        running.loop.close()
    assert sink.handler.all_recipients() == ["b@example.org"]


def test_refusals_as_notices_when_configured(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(tmp_path, 'on_reject = "notice"\n', next_hop_port=sink.port)
    sink.handler.received.clear()
    with RunningGateway(settings) as running:
        raw = scenario("gradebook_export_to_personal_address.eml")
        code, reply = running.send(raw, "sis-exports@cusd.com", ["jsmith.teacher@yahoo.com"])
        assert code == 250, reply
        deadline = time.monotonic() + 20
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [item.recipients for item in sink.received] == [["sis-exports@cusd.com"]]
    notice = sink.received[0].data
    assert b"jsmith.teacher@yahoo.com" in notice
    # The notice says what was found, never the values (student IDs, names).
    assert b"20230101" not in notice and b"Garcia" not in notice


def test_clean_messages_audited_only_when_asked(tmp_path: Path, sink: Sink) -> None:
    for clean_messages in (False, True):
        folder = tmp_path / str(clean_messages)
        folder.mkdir()
        settings = make_settings(folder, next_hop_port=sink.port)
        settings = type(settings)(**{**_fields(settings), "audit_clean_messages": clean_messages})
        with RunningGateway(settings) as running:
            assert running.send(plain("clean"), "a@cusd.com", ["b@example.org"])[0] == 250
        audit_file = settings.audit_file
        assert audit_file is not None
        recorded = audit_file.exists() and "gateway-decision" in audit_file.read_text()
        assert recorded is clean_messages
