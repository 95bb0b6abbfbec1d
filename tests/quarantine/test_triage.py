"""Review actions end to end: real store, real audit log, real SMTP sink on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

from dlp.actions.outbox import Attempt, Backoff, Outbox
from dlp.actions.smime import CertificateStore
from dlp.audit import AuditLog, verify
from dlp.delivery import NextHop, Outcome, TlsMode, deliver
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.records import Status
from dlp.quarantine.release import RejectNotice, Releaser, bind
from dlp.quarantine.store import IntegrityError, QuarantineError, StateError
from dlp.quarantine.triage import Actor, Triage
from tests.actions.test_smime import make_unusable_certificate
from tests.gateway.sink import Sink
from tests.quarantine.conftest import MESSAGE, OUTSIDE, SENDER, another

REVIEWER = Actor("rita", "cli")


@pytest.fixture
def sink():
    with Sink() as running:
        yield running


@pytest.fixture
def triage(sqlite_store, tmp_path, sink):
    target = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10)
    return Triage(
        sqlite_store,
        AuditLog(tmp_path / "audit.log"),
        Releaser(deliver, target),
        RejectNotice(deliver, target, "postmaster@cusd.com", "Clovis Unified School District"),
    )


def _hold(triage, held_decision, held_scan, recipients=(OUTSIDE,), raw=MESSAGE):
    return triage.store.hold(
        raw, SENDER, list(recipients), held_decision, held_scan, "<roster-1@cusd.com>"
    )


def test_release_delivers_original_through_smtp(triage, sink, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    released = triage.release(REVIEWER, held, note="checked with the principal")
    assert released.pending == ()
    assert released.message.status is Status.RELEASED
    assert released.message.delivery["accepted"] == [OUTSIDE]
    [received] = sink.received
    assert received.sender == SENDER and received.recipients == [OUTSIDE]
    assert received.data.endswith(MESSAGE)
    assert b"X-DLP-Verdict: released" in received.data and held.encode() in received.data
    with pytest.raises(StateError, match="released"):
        triage.release(REVIEWER, held)
    entry = triage.audit.entries()[-1]
    assert entry["event"] == "quarantine-release" and entry["outcome"] == "released"
    assert entry["actor"] == "rita" and entry["held_id"] == held
    assert verify(triage.audit.path).ok


def test_release_refused_by_next_hop_stays_held_and_retries_only_the_rest(
    triage, sink, held_decision, held_scan
):
    other = "friend@gmail.example"
    held = _hold(triage, held_decision, held_scan, recipients=(OUTSIDE, other))
    sink.handler.rcpt_reply = lambda address: "451 4.3.0 try later" if address == other else None
    first = triage.release(REVIEWER, held)
    assert first.pending == (other,)
    assert first.message.status is Status.HELD
    assert first.message.delivery["accepted"] == [OUTSIDE]
    sink.handler.rcpt_reply = lambda address: None
    second = triage.release(REVIEWER, held)
    assert second.pending == () and second.message.status is Status.RELEASED
    assert [item.recipients for item in sink.received] == [[OUTSIDE], [other]]
    outcomes = [e["outcome"] for e in triage.audit.entries() if e["event"] == "quarantine-release"]
    assert outcomes == ["failed", "released"]


def test_release_checks_integrity_and_keeps_it_held(triage, sink, held_decision, held_scan):
    from sqlalchemy import update

    from dlp.quarantine import schema

    held = _hold(triage, held_decision, held_scan)
    with triage.store.engine.begin() as connection:
        connection.execute(
            update(schema.messages).where(schema.messages.c.id == held).values(sha256="f" * 64)
        )
    with pytest.raises(IntegrityError):
        triage.release(REVIEWER, held)
    assert triage.store.get(held).status is Status.HELD
    assert sink.received == []
    assert triage.audit.entries()[-1]["outcome"] == "error"


def test_encrypted_release_without_certificate_requires_tls(triage, sink, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    released = triage.release(REVIEWER, held, encrypt=True)
    # The sink offers no STARTTLS: verified TLS is required, so nothing goes out.
    assert released.pending == (OUTSIDE,)
    assert released.result.recipients[0].tls_refused
    assert sink.received == []


def test_reject_sends_notice_without_content(triage, sink, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    with pytest.raises(QuarantineError, match="note is required"):
        triage.reject(REVIEWER, held, "  ")
    result = triage.reject(REVIEWER, held, "Use the SIS export instead.")
    assert result is not None and result.all_accepted
    [notice] = sink.received
    assert notice.sender in ("", "<>") and notice.recipients == [SENDER]
    text = notice.data.decode()
    assert "Use the SIS export instead." in text and "roster-1@cusd.com" in text
    assert "536-22" not in text and "1234" not in text
    assert triage.store.get(held).status is Status.REJECTED


def test_reveal_is_audited_and_never_logs_the_value(triage, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    _, views = triage.view(REVIEWER, held)
    assert all(view.value is None for view in views)
    ssn = views[0]
    assert [p.kind for p in ssn.pieces].count("finding") == 1
    shown = "".join(piece.text for piece in ssn.pieces)
    assert "***-**-1234" in shown and "536-22-1234" not in shown and "536-22-5678" not in shown
    assert "Student SSN" in shown  # the words around it, for context
    _, revealed = triage.reveal(REVIEWER, held, [0])
    assert revealed[0].value == "536-22-1234"
    assert revealed[2].value is None  # only what was asked for
    _, everything = triage.reveal(REVIEWER, held)
    assert [view.value for view in everything][:3] == ["536-22-1234", "04/12/2011", "536-22-5678"]
    log = triage.audit.path.read_text()
    assert "536-22-1234" not in log and "04/12/2011" not in log
    reveals = [e for e in triage.audit.entries() if e["event"] == "quarantine-reveal"]
    assert reveals[0]["actor"] == "rita" and reveals[0]["held_id"] == held
    assert reveals[0]["findings"][0]["masked"] == "***-**-1234"
    assert {e["event"] for e in triage.history(held)} == {"quarantine-view", "quarantine-reveal"}


def test_a_look_is_refused_when_the_audit_log_cannot_be_written(
    triage, held_decision, held_scan, tmp_path
):
    held = _hold(triage, held_decision, held_scan)
    # A damaged tail is set aside and the log goes on (tests/test_audit.py); a log that cannot
    # be written at all (here a folder in its place) refuses the look.
    (tmp_path / "unwritable.log").mkdir()
    broken = Triage(triage.store, AuditLog(tmp_path / "unwritable.log"))
    with pytest.raises(OSError):
        broken.reveal(REVIEWER, held)


def test_delete_export_legal_hold_and_purge(triage, held_decision, held_scan):
    kept = _hold(triage, held_decision, held_scan)
    gone = _hold(triage, held_decision, held_scan, raw=another(1))
    deleted = _hold(triage, held_decision, held_scan, raw=another(2))
    assert triage.export(REVIEWER, kept, "subpoena 42") == MESSAGE
    triage.legal_hold(REVIEWER, kept, True, "litigation hold")
    triage.delete(REVIEWER, deleted, "sent by mistake")
    later = int(time.time()) + 400 * 86_400
    report = triage.purge(Actor("cron", "cli"), now=later)
    assert report.expired == (gone,)
    assert triage.store.get(gone).status is Status.EXPIRED
    assert triage.store.get(kept).status is Status.HELD
    assert triage.export(REVIEWER, kept) == MESSAGE
    with pytest.raises(StateError):
        triage.export(REVIEWER, gone)
    events = [e["event"] for e in triage.audit.entries()]
    assert events.count("quarantine-export") == 3  # the failed one was a look too
    assert "quarantine-purge" in events and "quarantine-delete" in events
    assert any(e["event"] == "quarantine-purge" for e in triage.history(gone))


def test_not_sensitive_records_the_digest(triage, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    finding = triage.not_sensitive(REVIEWER, held, 1, "a date in a lesson plan")
    [recorded] = triage.store.false_positives()
    assert recorded["digest"] == finding.digest == held_scan.findings[1].digest
    assert recorded["entity_type"] == "DATE_OF_BIRTH"
    with pytest.raises(QuarantineError, match="no finding"):
        triage.not_sensitive(REVIEWER, held, 99, "x")
    entry = triage.audit.entries()[-1]
    assert entry["event"] == "quarantine-not-sensitive"
    assert json.dumps(entry).count("04/12/2011") == 0


FORGED = b"X-DLP-Verdict: deliver\r\nx-dlp-id:\r\n forged-continuation\r\n" + MESSAGE.replace(
    b"Subject: roster\r\n", b"Subject: roster\r\nX-Dlp-Policy: none\r\n"
)


def _dlp_fields(data: bytes) -> list[bytes]:
    head = data.split(b"\r\n\r\n", 1)[0]
    return [line for line in head.split(b"\r\n") if line.lower().startswith(b"x-dlp-")]


def test_released_copy_carries_only_the_gateways_own_dlp_fields(
    triage, sink, held_decision, held_scan
):
    held = triage.store.hold(
        FORGED, SENDER, [OUTSIDE], held_decision, held_scan, "<roster-1@cusd.com>"
    )
    assert triage.release(REVIEWER, held).pending == ()
    [received] = sink.received
    assert _dlp_fields(received.data) == [b"X-DLP-Verdict: released", b"X-DLP-Id: " + held.encode()]
    assert b"deliver" not in received.data and b"forged-continuation" not in received.data
    # Everything else the sender wrote is delivered as it was.
    assert received.data.endswith(MESSAGE.split(b"\r\n", 3)[3])
    assert b"Subject: roster\r\n" in received.data


def test_history_finds_every_entry_about_the_message_and_no_other(triage, held_decision, held_scan):
    mine = _hold(triage, held_decision, held_scan)
    other = _hold(triage, held_decision, held_scan, raw=another(1))
    triage.audit.append("gateway-decision", held={OUTSIDE: mine}, note=f"not {other}")
    triage.view(REVIEWER, mine)
    triage.view(REVIEWER, other)
    triage.delete(REVIEWER, other, f"duplicate of {mine}")  # names mine, but is about other
    triage.purge(Actor("cron", "cli"), now=int(time.time()) + 400 * 86_400)
    events = [entry["event"] for entry in triage.history(mine)]
    assert events == ["gateway-decision", "quarantine-view", "quarantine-purge"]
    assert [entry["event"] for entry in triage.history(other)] == [
        "quarantine-view",
        "quarantine-delete",
    ]
    assert triage.history("0000000000000000") == []


def test_delete_held_only_refuses_a_released_message(triage, sink, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    triage.release(REVIEWER, held)
    with pytest.raises(StateError, match="released"):
        triage.delete(REVIEWER, held, "tidy up", held_only=True)
    assert triage.store.get(held).status is Status.RELEASED
    assert "quarantine-delete" not in [e["event"] for e in triage.audit.entries()]


def test_false_positives_listing_is_a_recorded_look(triage, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    finding = triage.not_sensitive(REVIEWER, held, 0, "a made-up number in a worksheet")
    [entry] = triage.false_positives(Actor("adam", "cli"))
    assert entry["digest"] == finding.digest and entry["masked"] == finding.masked
    last = triage.audit.entries()[-1]
    assert last["event"] == "quarantine-false-positives" and last["actor"] == "adam"
    assert last["count"] == 1


def test_encrypted_release_with_an_unusable_certificate_stays_held_with_the_reason(
    triage, sink, held_decision, held_scan
):
    # The relay holds a copy it cannot encrypt; a release used to raise a TypeError instead.
    certificates = CertificateStore({OUTSIDE: make_unusable_certificate(OUTSIDE)}, ())
    target = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10)
    triage.releaser = Releaser(deliver, target, certificates)
    held = _hold(triage, held_decision, held_scan)
    released = triage.release(REVIEWER, held, encrypt=True, note="encrypt it")
    assert released.pending == (OUTSIDE,)
    assert released.message.status is Status.HELD
    [item] = released.result.recipients
    assert item.outcome is Outcome.TEMPORARY
    assert f"the certificate for {OUTSIDE} cannot be used" in item.detail
    assert sink.received == []  # never in clear
    stored = triage.store.get(held).delivery["results"]
    assert stored[0]["detail"] == item.detail  # what the message page shows
    entry = triage.audit.entries()[-1]
    assert entry["outcome"] == "failed" and entry["results"][0]["detail"] == item.detail


def test_a_reject_notice_the_next_hop_puts_off_waits_in_the_queue(
    triage, sink, held_decision, held_scan
):
    target = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10)
    store = OutboxStore(triage.store.engine)
    outbox = Outbox(store, bind(deliver, target), Backoff(1, 2))
    triage.notice = RejectNotice(
        deliver, target, "postmaster@cusd.com", "Clovis Unified School District", outbox=outbox
    )
    sink.handler.rcpt_reply = lambda address: "451 4.3.0 try later"
    held = _hold(triage, held_decision, held_scan)
    result = triage.reject(REVIEWER, held, "Use the SIS export instead.")
    assert result is not None and result.temporary == (SENDER,)
    assert triage.audit.entries()[-1]["notice"] == "queued"
    assert store.depth()[0] == 1
    sink.handler.rcpt_reply = lambda address: None
    # The gateway's worker, once the entry is due.
    later = Outbox(store, bind(deliver, target), Backoff(1, 2), clock=lambda: time.time() + 5)
    assert later.drain()[Attempt.SENT] == 1
    [notice] = sink.received
    assert notice.recipients == [SENDER] and b"Use the SIS export instead." in notice.data
    assert b"536-22" not in notice.data
    assert store.depth() == (0, None)


def test_history_reads_the_rotated_files_too(triage, held_decision, held_scan):
    held = _hold(triage, held_decision, held_scan)
    triage.audit.append("gateway-outcome", held={OUTSIDE: held})
    triage.audit.rotate()
    triage.view(REVIEWER, held)
    assert [entry["event"] for entry in triage.history(held)] == [
        "gateway-outcome",
        "quarantine-view",
    ]
