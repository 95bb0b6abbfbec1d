"""dlp.delivery against real SMTP servers on loopback (aiosmtpd), with and without TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from dlp.delivery import (
    ConnectionCache,
    LocalFolder,
    MxDelivery,
    NextHop,
    Outcome,
    TlsMode,
    TlsState,
    deliver,
)
from tests.gateway.certs import make_tls_files
from tests.gateway.sink import Sink, free_port

MESSAGE = (
    b"From: teacher@cusd.com\r\nTo: parent@example.org\r\nSubject: field trip\r\n"
    b"Message-ID: <trip@cusd.com>\r\n\r\nThe bus leaves at 8.\r\n.hidden dot line\r\n"
)


def test_next_hop_accepts_every_recipient() -> None:
    with Sink() as sink:
        result = deliver(
            MESSAGE,
            "teacher@cusd.com",
            ["a@example.org", "b@example.org"],
            NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE),
        )
    assert result.all_accepted
    assert result.accepted == ("a@example.org", "b@example.org")
    assert [item.code for item in result.recipients] == [250, 250]
    assert len(sink.received) == 1
    # Byte for byte, the leading dot included (smtplib stuffs it, aiosmtpd unstuffs it).
    assert sink.received[0].data == MESSAGE
    assert sink.received[0].recipients == ["a@example.org", "b@example.org"]


def test_per_recipient_outcomes() -> None:
    with Sink() as sink:
        sink.handler.rcpt_reply = lambda address: {
            "gone@example.org": "550 5.1.1 no such user",
            "full@example.org": "452 4.2.2 mailbox full",
        }.get(address)
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["ok@example.org", "gone@example.org", "full@example.org"],
            NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE),
        )
    assert result.accepted == ("ok@example.org",)
    assert result.permanent == ("gone@example.org",)
    assert result.temporary == ("full@example.org",)
    gone = result.result_for("gone@example.org")
    assert gone is not None and gone.code == 550 and "no such user" in gone.detail
    assert sink.handler.all_recipients() == ["ok@example.org"]


def test_data_refused_temporarily() -> None:
    with Sink() as sink:
        sink.handler.data_reply = lambda: "451 4.3.0 try later"
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE),
        )
    assert result.temporary == ("a@example.org",)
    assert result.recipients[0].code == 451


def test_next_hop_down_is_temporary() -> None:
    result = deliver(
        MESSAGE,
        "t@cusd.com",
        ["a@example.org"],
        NextHop("127.0.0.1", free_port(), tls=TlsMode.NONE, timeout=5),
    )
    assert result.temporary == ("a@example.org",)
    assert result.recipients[0].code == 0
    assert "cannot connect" in result.recipients[0].detail


def _server_context(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    files = make_tls_files(tmp_path / "tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context, files.ca


def test_required_tls_verified(tmp_path: Path) -> None:
    context, ca = _server_context(tmp_path)
    with Sink(tls_context=context) as sink:
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            NextHop(
                "127.0.0.1", sink.port, tls=TlsMode.OPPORTUNISTIC, ca_file=ca, tls_name="localhost"
            ),
            require_tls=True,
        )
    assert result.all_accepted
    assert result.tls is TlsState.VERIFIED
    assert sink.received[0].tls


def test_required_tls_with_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    context, _ca = _server_context(tmp_path)
    with Sink(tls_context=context) as sink:
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            NextHop("127.0.0.1", sink.port, tls_name="localhost"),  # system CAs only
            require_tls=True,
        )
    assert result.temporary == ("a@example.org",)
    assert result.tls_refused == ("a@example.org",)
    assert sink.received == []


def test_required_tls_without_starttls_is_refused() -> None:
    with Sink() as sink:
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org"],
            NextHop("127.0.0.1", sink.port, tls=TlsMode.VERIFY),
        )
    assert result.tls_refused == ("a@example.org",)
    assert "STARTTLS" in result.recipients[0].detail
    assert sink.received == []


def test_opportunistic_tls_takes_any_certificate(tmp_path: Path) -> None:
    context, _ca = _server_context(tmp_path)
    with Sink(tls_context=context) as sink:
        result = deliver(MESSAGE, "t@cusd.com", ["a@example.org"], NextHop("127.0.0.1", sink.port))
    assert result.all_accepted
    assert result.tls is TlsState.UNVERIFIED
    assert sink.received[0].tls


def test_local_folder(tmp_path: Path) -> None:
    folder = tmp_path / "delivered"
    result = deliver(MESSAGE, "t@cusd.com", ["a@example.org", "b@x.org"], LocalFolder(folder))
    assert result.all_accepted and result.tls is TlsState.LOCAL
    files = list((folder / "new").iterdir())
    assert len(files) == 1
    assert files[0].read_bytes() == (
        b"Return-Path: <t@cusd.com>\r\nDelivered-To: a@example.org\r\n"
        b"Delivered-To: b@x.org\r\n" + MESSAGE
    )
    assert list((folder / "tmp").iterdir()) == []


def test_local_folder_unwritable_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = deliver(MESSAGE, "t@cusd.com", ["a@example.org"], LocalFolder(blocker))
    assert result.temporary == ("a@example.org",)


def test_no_recipients() -> None:
    result = deliver(MESSAGE, "t@cusd.com", [], LocalFolder(Path("/nonexistent")))
    assert result.recipients == ()


dns = pytest.importorskip("dns")


def test_mx_delivery_through_a_loopback_resolver(tmp_path: Path) -> None:
    from tests.gateway.dnsserver import DnsServer

    with (
        Sink() as sink,
        DnsServer(
            {
                ("example.org", "MX"): ["10 localhost."],
                ("nomail.example", "MX"): ["0 ."],
            },
            nxdomain={"missing.example"},
        ) as server,
    ):
        target = MxDelivery(
            port=sink.port,
            tls=TlsMode.NONE,
            nameservers=("127.0.0.1",),
            dns_port=server.port,
            dns_timeout=3,
        )
        result = deliver(
            MESSAGE,
            "t@cusd.com",
            ["a@example.org", "b@missing.example", "c@nomail.example"],
            target,
        )
    outcomes = {item.address: item.outcome for item in result.recipients}
    assert outcomes == {
        "a@example.org": Outcome.ACCEPTED,
        "b@missing.example": Outcome.PERMANENT,
        "c@nomail.example": Outcome.PERMANENT,
    }
    assert [item.address for item in result.recipients] == [
        "a@example.org",
        "b@missing.example",
        "c@nomail.example",
    ]
    assert sink.handler.all_recipients() == ["a@example.org"]


def test_connections_are_reused(tmp_path: Path) -> None:
    cache = ConnectionCache()
    with Sink() as sink:
        hop = NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE)
        for index in range(5):
            result = deliver(MESSAGE, "t@cusd.com", [f"r{index}@example.org"], hop, False, cache)
            assert result.all_accepted
        sink.handler.data_reply = lambda: "550 5.7.0 no"
        refused = deliver(MESSAGE, "t@cusd.com", ["x@example.org"], hop, False, cache)
        assert refused.permanent == ("x@example.org",)
        sink.handler.data_reply = lambda: None
        assert deliver(MESSAGE, "t@cusd.com", ["y@example.org"], hop, False, cache).all_accepted
        cache.close()
    assert sink.handler.sessions == 1
    assert len(sink.received) == 6


def test_a_dead_cached_connection_is_replaced() -> None:
    cache = ConnectionCache()
    port = free_port()
    with Sink(port=port) as sink:
        hop = NextHop("127.0.0.1", port, tls=TlsMode.NONE)
        assert deliver(MESSAGE, "t@cusd.com", ["a@example.org"], hop, False, cache).all_accepted
    # The next hop restarted: the idle connection is dead; a new one is made.
    with Sink(port=port) as sink:
        assert deliver(MESSAGE, "t@cusd.com", ["b@example.org"], hop, False, cache).all_accepted
        assert sink.handler.all_recipients() == ["b@example.org"]
    cache.close()
