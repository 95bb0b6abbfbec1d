"""Postfix (Debian's package) as the sending MTA: an after-queue content filter through the
gateway and back into Postfix, which relays to a sink. Loopback only, a private config."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gateway.harness import RunningGateway, make_settings, plain, scenario
from tests.gateway.postfix import Postfix, available
from tests.gateway.sink import Sink, free_port

REASON = available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no Postfix: {REASON}")


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def topology(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Postfix, RunningGateway, Sink]]:
    tmp = tmp_path_factory.mktemp("postfix-gateway")
    with Sink() as sink:
        inbound, reinject = free_port(), free_port()
        settings = make_settings(tmp, next_hop_port=reinject)
        with RunningGateway(settings) as gateway:
            postfix = Postfix(inbound, reinject, gateway.port, sink.port)
            try:
                postfix.start()
                yield postfix, gateway, sink
            finally:
                postfix.stop()


def submit(postfix: Postfix, raw: bytes, sender: str, recipients: list[str]) -> None:
    with smtplib.SMTP(
        "127.0.0.1", postfix.inbound_port, local_hostname="client.test", timeout=30
    ) as client:
        client.sendmail(sender, recipients, raw)


def test_clean_message_round_trip(topology: tuple[Postfix, RunningGateway, Sink]) -> None:
    postfix, _gateway, sink = topology
    raw = plain("postfix round trip", "Choir practice moves to Thursday.")
    submit(postfix, raw, "teacher@cusd.com", ["friend@example.org"])
    assert wait_until(lambda: "friend@example.org" in sink.handler.all_recipients()), postfix.log()
    copy = next(item for item in sink.received if "friend@example.org" in item.recipients)
    assert b"X-DLP-Verdict: deliver" in copy.data
    assert b"Choir practice moves to Thursday." in copy.data
    assert b"Received: from" in copy.data  # Postfix's own trace lines, both passes


def test_split_verdicts_through_postfix(topology: tuple[Postfix, RunningGateway, Sink]) -> None:
    postfix, gateway, sink = topology
    raw = scenario("iep_to_parent_personal_address.eml")
    submit(
        postfix, raw, "mlopez@cusd.com", ["parent.jones1984@gmail.com", "sped.coordinator@cusd.com"]
    )
    assert wait_until(lambda: "sped.coordinator@cusd.com" in sink.handler.all_recipients())
    assert gateway.holder is not None
    assert wait_until(lambda: "parent.jones1984@gmail.com" in gateway.holder.recipients())
    assert "parent.jones1984@gmail.com" not in sink.handler.all_recipients()


def test_refused_message_bounces_to_the_sender(
    topology: tuple[Postfix, RunningGateway, Sink],
) -> None:
    postfix, _gateway, sink = topology
    raw = scenario("gradebook_export_to_personal_address.eml")
    submit(postfix, raw, "sis-exports@cusd.com", ["jsmith.teacher@yahoo.com"])
    # Postfix turns the gateway's 550 5.7.1 into a bounce (null sender) to the sender.
    assert wait_until(lambda: "sis-exports@cusd.com" in sink.handler.all_recipients()), (
        postfix.log()
    )
    bounce = next(item for item in sink.received if "sis-exports@cusd.com" in item.recipients)
    assert bounce.sender in ("", "<>")
    assert b"5.7.1" in bounce.data
    assert b"bulk-students-outside" in bounce.data
    assert "jsmith.teacher@yahoo.com" not in sink.handler.all_recipients()


def test_gateway_down_keeps_mail_in_the_postfix_queue(tmp_path: Path) -> None:
    with Sink() as sink:
        inbound, reinject, filter_port = free_port(), free_port(), free_port()
        postfix = Postfix(inbound, reinject, filter_port, sink.port)
        try:
            postfix.start()
            submit(postfix, plain("while down"), "teacher@cusd.com", ["late@example.org"])
            # Nothing listens on the filter port: the message waits in Postfix's queue.
            assert wait_until(lambda: bool(postfix.queued("deferred")), 30), postfix.log()
            assert sink.received == []
            settings = make_settings(
                tmp_path, f'listen = "127.0.0.1:{filter_port}"\n', next_hop_port=reinject
            )
            with RunningGateway(settings):
                assert wait_until(
                    lambda: "late@example.org" in sink.handler.all_recipients(), 40
                ), postfix.log()
        finally:
            postfix.stop()
