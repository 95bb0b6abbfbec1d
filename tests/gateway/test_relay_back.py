"""Relaying back through the cloud: to Exchange Online's inbound connector with the gateway's
client certificate, to Google's smtp-relay with SMTP AUTH over verified TLS. The next hop here
is an aiosmtpd server on loopback that requires a client certificate, or a login, as those do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dlp.delivery import NextHop, Outcome, TlsMode, TlsState, deliver
from dlp.settings import SettingsError, parse_settings
from tests.gateway.certs import TlsFiles, make_tls_files
from tests.gateway.relayhop import PASSWORD, Logins, next_hop

MESSAGE = b"From: t@cusd.com\r\nTo: a@example.org\r\nSubject: back\r\n\r\nHello.\r\n"


@pytest.fixture()
def tls(tmp_path: Path) -> tuple[TlsFiles, TlsFiles]:
    """The next hop's certificate, and the gateway's (its own CA: the connector's trust)."""
    return make_tls_files(tmp_path / "hop"), make_tls_files(tmp_path / "gw", "dlp-gw.cusd.com")


def _hop(port: int, ca: Path, **extra: Any) -> NextHop:
    return NextHop("127.0.0.1", port, tls=TlsMode.VERIFY, ca_file=ca, tls_name="localhost", **extra)


def test_client_certificate_opens_the_connector(tls: tuple[TlsFiles, TlsFiles]) -> None:
    hop_files, gateway_files = tls
    with next_hop(hop_files, gateway_files.ca, None) as (port, handler):
        with_cert = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            _hop(port, hop_files.ca, client_cert=(gateway_files.cert, gateway_files.key)),
        )
        without = deliver(MESSAGE, "t@cusd.com", ["b@example.org"], _hop(port, hop_files.ca))
    assert with_cert.all_accepted and with_cert.tls is TlsState.VERIFIED
    assert [r.recipients for r in handler.received] == [["a@example.org"]]
    # No certificate: the connector ends the session in the handshake (TLS 1.3 tells the
    # client only afterwards); the copy waits (4xx) and never reached the next hop (above).
    assert without.recipients[0].outcome is Outcome.TEMPORARY


def test_smtp_auth_to_smtp_relay(tls: tuple[TlsFiles, TlsFiles], tmp_path: Path) -> None:
    hop_files, _ = tls
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(PASSWORD + "\n")
    bad.write_text("wrong\n")
    logins = Logins()
    with next_hop(hop_files, None, logins) as (port, handler):
        ok = deliver(
            MESSAGE, "", ["a@example.org"], _hop(port, hop_files.ca, login=("relay@cusd.com", good))
        )
        refused = deliver(
            MESSAGE, "", ["b@example.org"], _hop(port, hop_files.ca, login=("relay@cusd.com", bad))
        )
    assert ok.all_accepted and logins.names == ["relay@cusd.com"]
    # An empty-sender notice (aiosmtpd records the null sender as "<>"), identified by AUTH.
    assert [r.sender for r in handler.received] == ["<>"]
    assert refused.recipients[0].outcome is Outcome.TEMPORARY
    assert "AUTH refused" in refused.recipients[0].detail


def test_auth_is_never_sent_without_verified_tls(
    tls: tuple[TlsFiles, TlsFiles], tmp_path: Path
) -> None:
    hop_files, _ = tls
    (tmp_path / "pw").write_text(PASSWORD)
    logins = Logins()
    with next_hop(hop_files, None, logins) as (port, _handler):
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            NextHop(
                "127.0.0.1",
                port,
                tls=TlsMode.OPPORTUNISTIC,
                login=("relay@cusd.com", tmp_path / "pw"),
            ),
        )
    assert result.recipients[0].outcome is Outcome.TEMPORARY
    assert "AUTH needs verified TLS" in result.recipients[0].detail
    assert logins.names == []


def test_settings_for_relaying_back(tmp_path: Path) -> None:
    text = """
[delivery]
next_hop = "smtp-relay.gmail.com:587"
tls = "verify"
helo = "dlp-gw.cusd.com"
auth_user = "dlp-relay@cusd.com"
auth_password_file = "/etc/dlp/smtp-relay.password"
client_cert_file = "/etc/dlp/tls/fullchain.pem"
client_key_file = "/etc/dlp/tls/privkey.pem"
"""
    target = parse_settings(text, "g.toml", tmp_path).delivery.target()
    assert isinstance(target, NextHop)
    assert target.login == ("dlp-relay@cusd.com", Path("/etc/dlp/smtp-relay.password"))
    assert target.client_cert == (
        Path("/etc/dlp/tls/fullchain.pem"),
        Path("/etc/dlp/tls/privkey.pem"),
    )
    with pytest.raises(
        SettingsError, match='auth_user: needs auth_password_file and tls = "verify"'
    ):
        parse_settings(text.replace('tls = "verify"', 'tls = "opportunistic"'), "g.toml", tmp_path)
