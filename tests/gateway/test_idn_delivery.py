"""A next hop without SMTPUTF8: an internationalized domain goes as its A-labels (the same
address), a non-ASCII local part cannot go at all (553, the sender is told)."""

from __future__ import annotations

from dlp.delivery import NextHop, Outcome, TlsMode, deliver
from tests.gateway.sink import Sink

MESSAGE = b"From: t@cusd.com\r\nTo: a@example.org\r\nSubject: idn\r\n\r\nHello.\r\n"
RECIPIENTS = ["a@b\u00fccher.example", "jos\u00e9@example.org", "ann@example.org"]


def test_without_smtputf8_domains_go_as_a_labels() -> None:
    with Sink(smtputf8=False) as sink:
        result = deliver(
            MESSAGE,
            "t@sch\u00fcle.example",
            RECIPIENTS,
            NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE),
        )
    [received] = sink.received
    assert received.sender == "t@xn--schle-mva.example"
    assert received.recipients == ["a@xn--bcher-kva.example", "ann@example.org"]
    assert result.accepted == ("a@b\u00fccher.example", "ann@example.org")  # the names given
    assert result.result_for("jos\u00e9@example.org") is not None
    assert result.result_for("jos\u00e9@example.org").outcome is Outcome.PERMANENT  # type: ignore[union-attr]


def test_with_smtputf8_addresses_go_as_written() -> None:
    with Sink(smtputf8=True) as sink:
        result = deliver(
            MESSAGE,
            "t@sch\u00fcle.example",
            RECIPIENTS,
            NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE),
        )
    assert result.all_accepted
    assert sink.received[0].recipients == RECIPIENTS and sink.received[0].smtputf8
