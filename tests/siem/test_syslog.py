"""Decision events over syslog (RFC 5424) to real listeners on loopback: UDP, TCP and TLS
(a certificate made with `cryptography` for the test), in JSON and in CEF; a SIEM down at
first gets the events once it listens; a full queue drops and counts; CEF escaping holds for
any text."""

from __future__ import annotations

import json
import re
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.policy import Decision
from dlp.siem.event import decision_event, sender_digest
from dlp.siem.formats import render, to_cef
from dlp.siem.settings import SiemSettings
from dlp.siem.syslog import NOTICE, Shipper, SyslogClient, message
from tests.gateway.certs import make_tls_files
from tests.siem.listeners import RFC5424, Listener

SECRET = b"digest-secret-for-tests"
T0 = 1_800_000_000.0
CLEAR = (b"536-22-1234", b"536-22-5678")


def wait_for(condition: Callable[[], object], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _event(decision: Decision) -> dict[str, object]:
    return decision_event(
        decision,
        secret=SECRET,
        gateway_id="gw-1",
        message_id="<r***@cusd.com>",
        reply="250 2.0.0 queued",
        policy_version="abc",
        held={"someone@gmail.example": "h1"},
        now=T0,
    )


def _cef_extension(line: str) -> dict[str, str]:
    """CEF's extension back into keys and values (the inverse of its escaping)."""
    header_end = [m.end() for m in re.finditer(r"(?<!\\)\|", line)][6]
    extension = line[header_end:]
    pairs: dict[str, str] = {}
    for match in re.finditer(r"(\w+)=((?:\\.|[^\\=])*?)(?=\s\w+=|$)", extension):
        value = re.sub(
            r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), match.group(2)
        )
        pairs[match.group(1)] = value
    return pairs


def test_the_event_holds_verdicts_rules_and_counts_never_a_value(held_decision: Decision) -> None:
    event = _event(held_decision)
    text = json.dumps(event)
    for value in CLEAR:
        assert value.decode() not in text
    assert "teacher@cusd.com" not in text  # the sender is a keyed digest
    assert event["sender_digest"] == sender_digest(SECRET, "Teacher@CUSD.com")
    assert event["verdict"] == "quarantine" and event["verdicts"] == {"external": {"quarantine": 1}}
    assert "secrets-outside" in event["rules"] and event["findings"]["US_SSN"] == 2
    assert event["external_domains"] == ["gmail.example"] and event["held_ids"] == ["h1"]


def _tls_server(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    files = make_tls_files(tmp)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context, files.ca


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
@pytest.mark.parametrize("kind", ["json", "cef"])
def test_events_reach_a_syslog_listener(
    transport: str, kind: str, tmp_path: Path, held_decision: Decision
) -> None:
    server_context, ca = _tls_server(tmp_path) if transport == "tls" else (None, None)
    with Listener(transport, server_context) as listener:
        settings = SiemSettings(
            transport=transport,
            host="127.0.0.1",
            port=listener.port,
            format=kind,
            ca_file=ca,
            server_name="localhost",
        )
        shipper = Shipper(SyslogClient(settings), 100)
        shipper.start()
        event = _event(held_decision)
        for _ in range(3):
            data = message(
                render(event, kind),
                facility=13,
                severity=NOTICE,
                app_name="dlp-gateway",
                msgid="dlp-decision",
                now=T0,
                hostname="gw1",
            )
            assert shipper.offer(data)
        wait_for(lambda: len(listener.received()) == 3)
        shipper.close()
        received = listener.received()
    for raw in received:
        found = RFC5424.match(raw)
        assert found is not None, raw
        assert int(found["pri"]) == 13 * 8 + NOTICE
        assert found["time"] == b"2027-01-15T08:00:00.000Z" and found["host"] == b"gw1"
        assert found["app"] == b"dlp-gateway" and found["msgid"] == b"dlp-decision"
        text = found["msg"].decode()
        if kind == "json":
            assert json.loads(text) == json.loads(json.dumps(event))
        else:
            assert text.startswith("CEF:0|K12-DLP|dlp-gateway|1|dlp-decision|message quarantine|7|")
            fields = _cef_extension(text)
            assert fields["act"] == "quarantine" and fields["cs1Label"] == "rules"
            assert "secrets-outside" in fields["cs1"].split(",")
            assert fields["externalId"] == "gw-1" and fields["cn1"] == "1"
        for value in CLEAR:
            assert value not in raw


def test_a_siem_down_at_first_gets_the_events_once_it_listens(held_decision: Decision) -> None:
    from tests.gateway.sink import free_port

    port = free_port()
    settings = SiemSettings(transport="tcp", host="127.0.0.1", port=port, timeout=2)
    shipper = Shipper(SyslogClient(settings), 100, pause=lambda failures: 0.1)
    shipper.start()
    for number in range(5):
        assert shipper.offer(
            message(f"event {number}", facility=13, severity=6, app_name="dlp", msgid="x", now=T0)
        )
    wait_for(lambda: shipper.failures >= 2)
    assert shipper.sent == 0
    with Listener("tcp", port=port) as listener:
        wait_for(lambda: len(listener.received()) == 5)
        shipper.close()
    assert [raw.rsplit(b" ", 2)[-2:] for raw in listener.received()] == [
        [b"event", str(n).encode()] for n in range(5)
    ]  # in order, none lost, none twice


def test_a_full_queue_drops_and_counts_without_waiting() -> None:
    settings = SiemSettings(transport="tcp", host="127.0.0.1", port=9, timeout=1)
    shipper = Shipper(SyslogClient(settings), 2, pause=lambda failures: 5.0)
    started = time.monotonic()
    results = [shipper.offer(b"x") for _ in range(5)]  # no thread: nothing leaves the queue
    assert time.monotonic() - started < 1
    assert results == [True, True, False, False, False] and shipper.dropped == 3


@given(st.text(min_size=0, max_size=40))
def test_cef_escaping_gives_back_any_value(text: str) -> None:
    line = to_cef({"verdict": "reject", "gateway_id": text, "message_id": "m", "event": "e|x"})
    assert "\n" not in line and "\r" not in line
    fields = _cef_extension(line)
    assert fields["externalId"] == text
    assert line.split("|")[4:6] == ["e\\", "x"]  # the pipe in the header escaped
