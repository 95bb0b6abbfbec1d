"""XFORWARD: offered only to client_networks, the original client carried into the log and the
audit; passing it on to Postfix's re-injection listener is in test_postfix_doc."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.delivery import xtext
from smtp_gateway.xforward import UNAVAILABLE, Client, XforwardSyntax, parse
from tests.gateway.harness import RunningGateway, make_settings

SENSITIVE = b"Subject: records\r\n\r\nStudent ID: 20231234, SSN 536-22-1234. IEP attached.\r\n"


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        (
            "NAME=laptop.cusd.com ADDR=10.1.2.3 PROTO=ESMTP HELO=laptop",
            {"NAME": "laptop.cusd.com", "ADDR": "10.1.2.3", "PROTO": "ESMTP", "HELO": "laptop"},
        ),
        ("addr=IPV6:2001:db8::1 name=[UNAVAILABLE]", {"ADDR": "2001:db8::1"}),
        ("HELO=[TEMPUNAVAIL] SOURCE=REMOTE PORT=51234 IDENT=abc", {}),
        ("HELO=my+20box", {"HELO": "my box"}),
        ("ADDR=not-an-address NAME=x.example", {"NAME": "x.example"}),
    ],
)
def test_parse(argument: str, expected: dict[str, str]) -> None:
    assert parse(argument) == expected


@pytest.mark.parametrize(
    "argument", ["", "NAME", "COLOR=red", "NAME=a+0Ab", "NAME=a+7Fb", "HELO=" + "x" * 300]
)
def test_parse_refuses(argument: str) -> None:
    with pytest.raises(XforwardSyntax):
        parse(argument)


def test_client_attributes_round_trip() -> None:
    client = Client.of({"NAME": "laptop.cusd.com", "ADDR": "10.1.2.3"})
    assert client is not None
    assert client.to_dict() == {"name": "laptop.cusd.com", "addr": "10.1.2.3"}
    assert parse(" ".join(f"{k}={v}" for k, v in client.attributes().items())) == {
        "NAME": "laptop.cusd.com",
        "ADDR": "10.1.2.3",
    }
    assert Client.of({}) is None


@given(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=80),
    st.sampled_from(["NAME", "HELO", "PROTO"]),
)
def test_what_delivery_encodes_the_gateway_decodes(value: str, name: str) -> None:
    """The next hop (another gateway, or Postfix) reads back exactly what was forwarded."""
    encoded = xtext(value)
    assert " " not in encoded and "=" not in encoded
    assert parse(f"{name}={encoded}") == ({} if value in UNAVAILABLE else {name: value})


def message_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [
        record.fields  # type: ignore[attr-defined]
        for record in caplog.records
        if getattr(record, "fields", {}).get("event") == "message"
    ]


def test_the_original_client_reaches_the_log_and_the_audit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with RunningGateway(make_settings(tmp_path)) as running, running.client() as client:
        client.ehlo()
        assert client.esmtp_features["xforward"].split() == ["NAME", "ADDR", "PROTO", "HELO"]
        assert client.docmd("XFORWARD", "NAME=laptop.cusd.com ADDR=10.1.2.3")[0] == 250
        assert client.docmd("XFORWARD", "PROTO=ESMTP HELO=laptop")[0] == 250
        client.sendmail("teacher@cusd.com", ["parent@gmail.com"], SENSITIVE)
        # The next message in the session has no forwarded client: they held for one only.
        client.sendmail("teacher@cusd.com", ["friend@example.org"], b"Subject: hi\r\n\r\nhi\r\n")
    first, second = message_records(caplog)
    expected = {"name": "laptop.cusd.com", "addr": "10.1.2.3", "proto": "ESMTP", "helo": "laptop"}
    assert first["client"] == expected and first["peer"] == "127.0.0.1"
    assert "client" not in second
    audit = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    [decision] = [entry for entry in audit if entry["event"] == "gateway-decision"]
    assert decision["client"] == expected


def test_only_client_networks_may_xforward(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, 'client_networks = ["192.0.2.0/24"]\n')
    with RunningGateway(settings) as running, running.client() as client:
        client.ehlo()
        assert not client.has_extn("xforward")
        code, reply = client.docmd("XFORWARD", "NAME=laptop.cusd.com ADDR=10.1.2.3")
        assert (code, reply[:5]) == (550, b"5.7.0")


def test_xforward_in_a_transaction_or_malformed_is_refused(tmp_path: Path) -> None:
    with RunningGateway(make_settings(tmp_path)) as running, running.client() as client:
        client.ehlo()
        assert client.docmd("XFORWARD", "COLOR=red")[0] == 501
        assert client.mail("teacher@cusd.com")[0] == 250
        assert client.docmd("XFORWARD", "NAME=laptop.cusd.com")[0] == 503
