"""The gateway end to end on loopback: smtplib -> gateway -> aiosmtpd next hop."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from dlp.audit import verify
from dlp.quarantine import schema
from dlp.quarantine.store import QuarantineStore
from tests.gateway.harness import (
    RawSession,
    RunningGateway,
    held_folder,
    make_settings,
    plain,
    scenario,
)
from tests.gateway.sink import Sink


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


@pytest.fixture(scope="module")
def gateway(sink: Sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    tmp = tmp_path_factory.mktemp("gateway")
    with RunningGateway(make_settings(tmp, next_hop_port=sink.port)) as running:
        yield running


@pytest.fixture(autouse=True)
def clean_sink(sink: Sink, gateway: RunningGateway) -> None:
    gateway.run(_settle(gateway))  # notices of an earlier test are not this test's mail
    sink.handler.received.clear()
    sink.handler.rcpt_reply = lambda address: None
    sink.handler.data_reply = lambda: None


def test_clean_message_is_relayed_with_headers(gateway: RunningGateway, sink: Sink) -> None:
    raw = plain()
    code, reply = gateway.send(raw, "teacher@cusd.com", ["friend@example.org"])
    assert code == 250, reply
    assert len(sink.received) == 1
    delivered = sink.received[0]
    assert delivered.recipients == ["friend@example.org"]
    assert delivered.sender == "teacher@cusd.com"
    assert delivered.data.startswith(b"X-DLP-Verdict: deliver\r\nX-DLP-Policy-Version: sha256:")
    # The original follows the gateway's fields byte for byte.
    assert delivered.data.endswith(raw)
    assert gateway.gateway.relay.bundle.version.encode() in delivered.data


def test_verdicts_per_recipient(gateway: RunningGateway, sink: Sink) -> None:
    raw = scenario("iep_to_parent_personal_address.eml")
    code, reply = gateway.send(
        raw, "mlopez@cusd.com", ["parent.jones1984@gmail.com", "sped.coordinator@cusd.com"]
    )
    assert code == 250, reply
    # The sender's notice about the held copy (null sender) may already have arrived too.
    copies = [item for item in sink.received if item.sender != "<>"]
    assert [item.recipients for item in copies] == [["sped.coordinator@cusd.com"]]
    assert b"X-DLP-Verdict: deliver" in copies[0].data
    # Neither the student ID nor any other found value travels in the headers.
    head = copies[0].data.split(b"\r\n\r\n")[0]
    assert b"20231234" not in head.split(b"Message-ID")[0]
    assert gateway.holder is not None
    assert "parent.jones1984@gmail.com" in gateway.holder.recipients()
    held_id = gateway.holder.held[-1][0]
    # The quarantine store, never the plain-text folder fallback: the fallback is what the
    # gateway silently uses when `dlp.quarantine` fails to import, so a test that accepted
    # either would pass with every held message written in clear.
    assert held_folder(gateway.holder) is None
    store = gateway.holder.inner
    assert isinstance(store, QuarantineStore)
    assert not gateway.settings.quarantine.folder.exists()
    # Sealed: neither the message nor a value from it is in the database's bytes.
    with store.engine.connect() as connection:
        blob = connection.execute(
            select(schema.blobs).where(schema.blobs.c.held_id == held_id)
        ).one()
    assert blob.key_id == store.keyring.current.key_id
    assert raw not in bytes(blob.ciphertext) and b"20231234" not in bytes(blob.ciphertext)
    database = Path(make_url(gateway.settings.quarantine.url).database or "")
    assert database.is_file()
    assert b"20231234" not in database.read_bytes()
    # And the original bytes come back out.
    assert store.content(held_id) == raw
    held = store.get(held_id)
    assert held.recipients == ("parent.jones1984@gmail.com",)
    assert held.sender == "mlopez@cusd.com"


def test_every_recipient_refused_gets_550(gateway: RunningGateway, sink: Sink) -> None:
    raw = scenario("gradebook_export_to_personal_address.eml")
    code, reply = gateway.send(raw, "sis-exports@cusd.com", ["jsmith.teacher@yahoo.com"])
    assert code == 550
    assert reply.startswith("5.7.1 Refused by the district's data protection policy")
    assert "bulk-students-outside" in reply
    assert sink.received == []


def test_some_refused_others_delivered_gets_250_and_a_notice(
    gateway: RunningGateway, sink: Sink
) -> None:
    raw = scenario("gradebook_export_to_personal_address.eml")
    code, reply = gateway.send(
        raw, "sis-exports@cusd.com", ["jsmith.teacher@yahoo.com", "registrar@cusd.com"]
    )
    assert code == 250, reply
    gateway.run(_settle(gateway))
    by_recipient = {tuple(item.recipients): item for item in sink.received}
    assert ("registrar@cusd.com",) in by_recipient
    notice = by_recipient[("sis-exports@cusd.com",)]
    assert notice.sender == "<>"  # the null sender: a notice never loops
    assert b"jsmith.teacher@yahoo.com" in notice.data
    assert b"Auto-Submitted: auto-replied" in notice.data


async def _settle(gateway: RunningGateway) -> None:
    import asyncio

    background = list(gateway.gateway.relay.background)
    if background:
        await asyncio.wait(background, timeout=20)


def test_require_tls_without_tls_at_next_hop_is_held(gateway: RunningGateway, sink: Sink) -> None:
    raw = scenario("gradebook_export_to_authorized_vendor.eml")
    code, reply = gateway.send(raw, "sis-exports@cusd.com", ["sync@gradebook-vendor.example"])
    assert code == 250, reply
    assert sink.received == []  # the sink offers no STARTTLS: the copy never went out in clear
    assert gateway.holder is not None
    assert gateway.holder.recipients()[-1] == "sync@gradebook-vendor.example"


def test_next_hop_refusing_temporarily_gives_451(gateway: RunningGateway, sink: Sink) -> None:
    sink.handler.data_reply = lambda: "451 4.3.0 disk full"
    code, reply = gateway.send(plain("t1"), "teacher@cusd.com", ["friend@example.org"])
    assert code == 451, reply
    assert reply.startswith("4.4.1")


def test_next_hop_refusing_for_good_passes_the_refusal_on(
    gateway: RunningGateway, sink: Sink
) -> None:
    sink.handler.rcpt_reply = lambda address: "550 5.1.1 no such user"
    code, reply = gateway.send(plain("t2"), "teacher@cusd.com", ["nobody@example.org"])
    assert code == 550, reply
    assert "no such user" in reply


def test_bare_lf_and_smuggling_are_refused(gateway: RunningGateway, sink: Sink) -> None:
    smuggled = (
        b"From: a@cusd.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\n.\n"
        b"MAIL FROM:<ceo@cusd.com>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
        b"Subject: forged\r\n\r\nsmuggled\r\n"
    )
    code, reply = gateway.send(smuggled, "a@cusd.com", ["b@example.org"])
    assert code == 550 and "bare LF" in reply
    for variant in (b"x\r\n.\n", b"x\n.\r\n", b"x\r.\r\n", b"x\r\n.\r"):
        code, reply = gateway.send(
            b"Subject: s\r\n\r\n" + variant + b"more\r\n", "a@cusd.com", ["b@example.org"]
        )
        assert code == 550, (variant, reply)
    assert sink.received == []


def test_smuggling_on_a_raw_socket_never_splits(gateway: RunningGateway, sink: Sink) -> None:
    """The hidden second transaction after LF.LF is not run: one refusal, then the session
    carries on from the real end of data."""
    with RawSession(gateway.port) as session:
        command = session.command
        assert session.reply().startswith(b"220")
        assert command(b"EHLO client.test\r\n").startswith(b"250")
        assert command(b"MAIL FROM:<a@cusd.com>\r\n").startswith(b"250")
        assert command(b"RCPT TO:<b@example.org>\r\n").startswith(b"250")
        assert command(b"DATA\r\n").startswith(b"354")
        answer = command(
            b"Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<ceo@cusd.com>\r\n"
            b"RCPT TO:<victim@example.org>\r\nDATA\r\nSubject: two\r\n\r\nhidden\r\n.\r\n"
        )
        assert answer.startswith(b"550 5.6.0")
        assert command(b"QUIT\r\n").startswith(b"221")
    assert sink.received == []


def test_line_too_long_is_refused(gateway: RunningGateway) -> None:
    raw = b"Subject: long\r\n\r\n" + b"a" * 999 + b"\r\n"
    code, reply = gateway.send(raw, "a@cusd.com", ["b@example.org"])
    assert code == 550 and "longer than 998" in reply
    ok = b"Subject: long\r\n\r\n" + b"a" * 998 + b"\r\n." + b"b" * 997 + b"\r\n"
    code, reply = gateway.send(ok, "a@cusd.com", ["b@example.org"])
    assert code == 250, reply


def test_size_limit(gateway: RunningGateway) -> None:
    limit = gateway.settings.gateway.max_message_bytes
    with gateway.client() as client:
        client.ehlo()
        assert client.esmtp_features["size"] == str(limit)
        code, _ = client.mail("a@cusd.com", [f"SIZE={limit + 1}"])
        assert code == 552


def test_size_limit_without_announcing(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(tmp_path, "max_message_bytes = 4096\n", next_hop_port=sink.port)
    with RunningGateway(settings) as running:
        raw = b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 100
        code, reply = running.send(raw, "a@cusd.com", ["b@example.org"])
        assert code == 552 and reply.startswith("5.3.4")
        # The session goes on: the next message is fine.
        code, reply = running.send(plain(), "a@cusd.com", ["b@example.org"])
        assert code == 250, reply


def test_recipient_limit(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(tmp_path, "max_recipients = 2\n", next_hop_port=sink.port)
    with RunningGateway(settings) as running, running.client() as client:
        client.ehlo()
        client.mail("a@cusd.com")
        assert client.rcpt("one@example.org")[0] == 250
        assert client.rcpt("two@example.org")[0] == 250
        code, reply = client.rcpt("three@example.org")
        assert code == 452 and reply.startswith(b"4.5.3")


def test_not_an_open_relay(tmp_path: Path, sink: Sink) -> None:
    settings = make_settings(
        tmp_path, 'client_networks = ["192.0.2.0/24"]\n', next_hop_port=sink.port
    )
    with RunningGateway(settings) as running:
        code, reply = running.send(plain(), "a@cusd.com", ["b@example.org"])
        assert code == 554 and "Relay access denied" in reply
    assert sink.received == []


def test_empty_message_and_dot_stuffing(gateway: RunningGateway, sink: Sink) -> None:
    raw = b"Subject: dots\r\n\r\n.\r\n..two\r\n...\r\nend\r\n"
    code, reply = gateway.send(raw, "a@cusd.com", ["b@example.org"])
    assert code == 250, reply
    assert sink.received[0].data.endswith(raw)


def test_metrics_and_health(gateway: RunningGateway) -> None:
    gateway.send(plain("metrics"), "a@cusd.com", ["b@example.org"])
    base = f"http://127.0.0.1:{gateway.gateway.metrics_port}"
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    assert 'dlp_gateway_messages_total{outcome="accepted"}' in text
    assert 'dlp_gateway_recipients_total{verdict="deliver"}' in text
    assert "dlp_gateway_scan_seconds_bucket" in text
    assert "dlp_gateway_in_flight 0.0" in text
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        health = json.loads(response.read())
    assert health["status"] == "ok"
    assert health["policy_version"].startswith("sha256:")


def test_audit_log_chain(gateway: RunningGateway) -> None:
    raw = scenario("iep_to_parent_personal_address.eml")
    gateway.send(raw, "mlopez@cusd.com", ["parent.jones1984@gmail.com"])
    audit_file = gateway.settings.audit_file
    assert audit_file is not None
    assert verify(audit_file).ok
    text = audit_file.read_text()
    assert "gateway-decision" in text
    assert "20231234" not in text


def test_relay_from_outside_the_networks_is_refused_at_mail(gateway: RunningGateway) -> None:
    with gateway.client() as client:
        client.ehlo()
        assert client.mail("a@cusd.com")[0] == 250
        with pytest.raises(smtplib.SMTPDataError):
            client.data(b"x")  # no recipients yet: 503
