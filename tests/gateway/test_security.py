"""Inbound STARTTLS and AUTH, and S/MIME encryption of a copy, through the running gateway."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtp_gateway.auth import check_password, hash_password
from tests.actions.test_smime import make_certificate
from tests.gateway.certs import make_tls_files
from tests.gateway.harness import REPO, RunningGateway, make_settings, plain, scenario
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
