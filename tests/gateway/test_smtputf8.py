"""SMTPUTF8 (RFC 6531) end to end over loopback: the gateway offers it, takes josé@example.org,
scans and decides as for any address, and asks the next hop for it when the message needs it;
a next hop without it refuses only what it cannot carry."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.sink import Sink

JOSE = "josé@example.org"
MESSAGE = (
    "From: Renée <renée@cusd.com>\r\nTo: José <josé@example.org>\r\nSubject: Café lunch\r\n"
    "Message-ID: <utf8-1@cusd.com>\r\n\r\nSee you at noon, José.\r\n"
).encode()
SENSITIVE = (
    "From: renée@cusd.com\r\nTo: josé@example.org\r\nSubject: records\r\n\r\n"
    "Student: Maria Lopez, student ID: 20231234, SSN 536-22-1234. IEP accommodations attached.\r\n"
).encode()


def test_the_gateway_offers_and_passes_smtputf8(tmp_path: Path) -> None:
    with Sink(smtputf8=True) as sink:
        with (
            RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running,
            running.client() as client,
        ):
            client.ehlo()
            assert client.has_extn("smtputf8")
            client.sendmail("renée@cusd.com", [JOSE, "ann@example.org"], MESSAGE, ["SMTPUTF8"])
        [copy] = sink.received
    assert copy.recipients == [JOSE, "ann@example.org"]
    assert copy.sender == "renée@cusd.com"
    assert copy.smtputf8
    assert b"X-DLP-Verdict: deliver" in copy.data
    assert "Subject: Café lunch".encode() in copy.data


def test_ascii_mail_does_not_ask_the_next_hop_for_it(tmp_path: Path) -> None:
    with Sink(smtputf8=True) as sink:
        with RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running:
            code, reply = running.send(
                b"Subject: plain\r\n\r\nhello\r\n", "a@cusd.com", ["b@example.org"]
            )
            assert code == 250, reply
        assert not sink.received[0].smtputf8


def test_the_policy_decides_for_a_utf8_address(tmp_path: Path) -> None:
    with Sink(smtputf8=True) as sink:
        with RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running:
            with running.client() as client:
                client.sendmail("renée@cusd.com", [JOSE], SENSITIVE, ["SMTPUTF8"])
            assert running.holder is not None
            assert running.holder.recipients() == [JOSE]
        assert JOSE not in sink.handler.all_recipients()
    audit = (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert JOSE in audit and "536-22-1234" not in audit


def test_a_non_ascii_address_without_smtputf8_is_refused(tmp_path: Path) -> None:
    with RunningGateway(make_settings(tmp_path)) as running, running.client() as client:
        client.ehlo()
        assert client.mail("teacher@cusd.com")[0] == 250
        client.command_encoding = "utf-8"  # smtplib would refuse to send it otherwise
        code, reply = client.rcpt(JOSE)
        assert (code, reply[:5]) == (553, b"5.6.7")


def test_an_address_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    with (
        RunningGateway(make_settings(tmp_path)) as running,
        socket.create_connection(("127.0.0.1", running.port), timeout=30) as raw,
    ):
        reader = raw.makefile("rb")
        reader.readline()
        raw.sendall(b"EHLO client.test\r\nMAIL FROM:<a@cusd.com> SMTPUTF8\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        assert reader.readline().startswith(b"250")
        raw.sendall(b"RCPT TO:<jos\xe9@example.org>\r\n")  # Latin-1, not UTF-8
        assert reader.readline().startswith(b"553 5.1.7")


@pytest.mark.parametrize("mixed", [True, False])
def test_a_next_hop_without_smtputf8_gets_only_what_it_can_carry(
    tmp_path: Path, mixed: bool
) -> None:
    recipients = [JOSE, "ann@example.org"] if mixed else [JOSE]
    with Sink(smtputf8=False) as sink:
        with (
            RunningGateway(make_settings(tmp_path, next_hop_port=sink.port)) as running,
            running.client() as client,
        ):
            client.ehlo()
            client.mail("teacher@cusd.com", ["SMTPUTF8"])
            for address in recipients:
                assert client.rcpt(address)[0] == 250
            code, reply = client.data(MESSAGE)
        delivered = sink.handler.all_recipients()
        notices = [item.data for item in sink.received if item.sender in ("", "<>")]
    assert JOSE not in delivered
    if mixed:
        assert code == 250, reply
        assert sorted(delivered) == ["ann@example.org", "teacher@cusd.com"]
        [notice] = notices  # to the sender: which recipient failed, and why
        assert b"SMTPUTF8" in notice
    else:
        assert code == 550 or code == 553, reply  # a permanent refusal: the sender learns why
        assert b"SMTPUTF8" in reply
