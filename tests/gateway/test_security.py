"""Inbound STARTTLS and AUTH, S/MIME encryption of a copy, and input the gateway refuses (NUL
bytes), through the running gateway."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtp_gateway import replies
from smtp_gateway.auth import check_password, hash_password
from tests.actions.test_smime import make_certificate
from tests.gateway.certs import make_tls_files
from tests.gateway.harness import (
    REPO,
    RawSession,
    RunningGateway,
    make_settings,
    plain,
    scenario,
)
from tests.gateway.sink import Sink


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def test_password_hashes() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$")
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored)
    assert not check_password("x", "scrypt$bad")


def test_starttls_and_auth_let_a_remote_client_relay(tmp_path: Path, sink: Sink) -> None:
    files = make_tls_files(tmp_path / "tls")
    users = tmp_path / "users"
    users.write_text(f"# relay accounts\ncopier:{hash_password('s3cret-copier')}\n")
    settings = make_settings(
        tmp_path,
        'client_networks = ["192.0.2.0/24"]\n',  # loopback is not a client network here
        next_hop_port=sink.port,
        tables=(
            f'[gateway.tls]\ncert_file = "{files.cert}"\nkey_file = "{files.key}"\n'
            f'[gateway.auth]\nusers_file = "{users}"\n'
        ),
    )
    context = ssl.create_default_context(cafile=str(files.ca))
    with RunningGateway(settings) as running:
        with running.client() as client:
            client.ehlo()
            assert client.has_extn("starttls")
            assert not client.has_extn("auth")  # never offered in clear
            assert client.mail("a@cusd.com")[0] == 554  # not a client network, not logged in
            client.rset()
            client.starttls(context=context)
            client.ehlo()
            assert client.has_extn("auth")
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("copier", "wrong")
        with running.client() as client:
            client.starttls(context=context)
            client.login("copier", "s3cret-copier")
            client.sendmail("copier@cusd.com", ["office@cusd.com"], plain("scan"))
    assert "office@cusd.com" in sink.handler.all_recipients()


def test_smime_copy_for_a_partner_with_a_certificate(tmp_path: Path, sink: Sink) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text((REPO / "samples" / "policy.toml").read_text())
    certificate, _key = make_certificate("sync@gradebook-vendor.example")
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "vendor.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
    settings = make_settings(tmp_path, next_hop_port=sink.port, policy=policy)
    sink.handler.received.clear()
    with RunningGateway(settings) as running:
        raw = scenario("gradebook_export_to_authorized_vendor.eml")
        code, reply = running.send(raw, "sis-exports@cusd.com", ["sync@gradebook-vendor.example"])
        assert code == 250, reply
    copy = next(i for i in sink.received if i.recipients == ["sync@gradebook-vendor.example"])
    assert b"X-DLP-Encryption: smime" in copy.data
    assert b"application/pkcs7-mime" in copy.data
    assert b"Encrypted message from Clovis Unified" in copy.data  # the neutral subject
    assert b"Student ID" not in copy.data and b"Gradebook" not in copy.data.split(b"\r\n\r\n")[1]


@pytest.fixture(scope="module")
def nul_gateway(sink: Sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    settings = make_settings(tmp_path_factory.mktemp("nul"), next_hop_port=sink.port)
    with RunningGateway(settings) as running:
        yield running


def _reply_code(reply: bytes) -> bytes:
    return reply.splitlines()[-1][:9]  # "501 5.5.2": code and enhanced code


@pytest.mark.parametrize(
    "line",
    [b"HELO client\x00.test\r\n", b"EHLO client\x00.test\r\n", b"MAIL FROM:<a\x00b@cusd.com>\r\n"],
    ids=["HELO", "EHLO", "MAIL"],
)
def test_nul_in_a_greeting_or_the_sender_is_refused(
    nul_gateway: RunningGateway, sink: Sink, line: bytes
) -> None:
    sink.handler.received.clear()
    with RawSession(nul_gateway.port) as session:
        assert session.reply().startswith(b"220")
        if not line.startswith((b"HELO", b"EHLO")):
            assert session.command(b"EHLO client.test\r\n").startswith(b"250")
        assert _reply_code(session.command(line)) == replies.NUL_IN_COMMAND[:9].encode()
        # Nothing was taken: a sender was never set, so RCPT is out of order.
        if line.startswith(b"MAIL"):
            assert session.command(b"RCPT TO:<b@example.org>\r\n").startswith(b"503")
        assert session.command(b"QUIT\r\n").startswith(b"221")
    assert sink.received == []


def test_nul_in_a_recipient_is_refused_and_the_rest_goes_on(
    nul_gateway: RunningGateway, sink: Sink
) -> None:
    sink.handler.received.clear()
    with RawSession(nul_gateway.port) as session:
        session.reply()
        session.command(b"EHLO client.test\r\n")
        assert session.command(b"MAIL FROM:<a@cusd.com>\r\n").startswith(b"250")
        refused = session.command(b"RCPT TO:<b\x00@example.org>\r\n")
        assert _reply_code(refused) == replies.NUL_IN_COMMAND[:9].encode()
        assert session.command(b"RCPT TO:<c@example.org>\r\n").startswith(b"250")
        assert session.command(b"DATA\r\n").startswith(b"354")
        assert session.command(plain("after a refused recipient") + b".\r\n").startswith(b"250")
        assert session.command(b"QUIT\r\n").startswith(b"221")
    [received] = sink.received
    assert received.recipients == ["c@example.org"]


@pytest.mark.parametrize(
    "body",
    [b"hello\x00world\r\n", b"\x00\r\n", (b"a" * 998 + b"\r\n") * 300 + b"\x00\r\n"],
    ids=["inside-a-line", "alone", "past-the-first-chunk"],
)
def test_nul_in_the_data_is_refused_and_the_session_goes_on(
    nul_gateway: RunningGateway, sink: Sink, body: bytes
) -> None:
    sink.handler.received.clear()
    message = b"Subject: nul\r\nMessage-ID: <x@cusd.com>\r\n\r\n" + body
    with RawSession(nul_gateway.port) as session:
        session.reply()
        session.command(b"EHLO client.test\r\n")
        session.command(b"MAIL FROM:<a@cusd.com>\r\n")
        session.command(b"RCPT TO:<b@example.org>\r\n")
        assert session.command(b"DATA\r\n").startswith(b"354")
        answer = session.command(message + b".\r\n")
        assert answer.decode().strip() == replies.NUL_IN_DATA
        # The refusal ended that transaction only: the next message on the session goes out.
        session.command(b"MAIL FROM:<a@cusd.com>\r\n")
        session.command(b"RCPT TO:<b@example.org>\r\n")
        session.command(b"DATA\r\n")
        assert session.command(plain("clean") + b".\r\n").startswith(b"250")
    [received] = sink.received
    assert b"\x00" not in received.data and b"Subject: clean" in received.data
    assert nul_gateway.holder is not None and nul_gateway.holder.held == []
