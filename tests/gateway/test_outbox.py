"""Mail the gateway writes itself, through a real gateway and a real next hop on loopback that
is down when the notice is first tried: the outbound queue, its retries, metrics and alert;
and the action step's rule for a copy that cannot be encrypted."""

from __future__ import annotations

import logging
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dlp.quarantine.outbox import OutboxStore
from tests.actions.test_smime import write_unusable_certificate
from tests.gateway.harness import REPO, RunningGateway, make_settings, scenario
from tests.gateway.sink import Sink, free_port

SENDER = "mlopez@cusd.com"
PARENT = "parent.jones1984@gmail.com"
VENDOR = "sync@gradebook-vendor.example"
QUICK = "notice_retry_seconds = 1\nnotice_retry_max_seconds = 2\n"


def wait_for(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def metric(running: RunningGateway, line: str) -> float:
    url = f"http://127.0.0.1:{running.gateway.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    found = re.search(rf"^{re.escape(line)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class Events(logging.Handler):
    """The gateway's JSON log events, as they are emitted (from any thread)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            self.seen.append({"level": record.levelname, **fields})

    def named(self, event: str) -> list[dict[str, object]]:
        return [item for item in list(self.seen) if item.get("event") == event]


@pytest.fixture
def events() -> Iterator[Events]:
    handler = Events()
    loggers = [logging.getLogger(name) for name in ("smtp_gateway", "dlp")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _held_with_notice(running: RunningGateway) -> None:
    raw = scenario("iep_to_parent_personal_address.eml")
    code, reply = running.send(raw, SENDER, [PARENT])
    assert code == 250, reply
    assert running.holder is not None and running.holder.recipients() == [PARENT]


def _assert_notice(received: list, count: int = 1) -> None:
    notices = [item for item in received if item.recipients == [SENDER]]
    assert len(notices) == count, received
    for notice in notices:
        assert notice.sender == "<>"  # the null sender: a notice never loops
        assert PARENT.encode() in notice.data
        assert b"20231234" not in notice.data  # the student ID found: never in a notice


def test_a_notice_the_next_hop_put_off_arrives_once_it_is_back(
    tmp_path: Path, events: Events
) -> None:
    port = free_port()  # nothing listens there yet: the next hop is down
    extra = QUICK + "notice_alert_seconds = 1\n"
    with RunningGateway(make_settings(tmp_path, extra, next_hop_port=port)) as running:
        _held_with_notice(running)
        wait_for(lambda: events.named("notice-deferred"))
        # The queue is visible: one entry, growing older, and one error line about its age.
        wait_for(lambda: metric(running, "dlp_gateway_outbox_oldest_seconds") >= 2)
        assert metric(running, "dlp_gateway_outbox_depth") == 1
        wait_for(lambda: events.named("outbox-aging"))
        with Sink(port=port) as sink:
            wait_for(lambda: sink.received)
            wait_for(lambda: metric(running, "dlp_gateway_outbox_depth") == 0)
            assert metric(running, 'dlp_gateway_notices_total{result="sent"}') == 1
            assert metric(running, 'dlp_gateway_notices_total{result="retry"}') >= 2
    _assert_notice(sink.received)
    # It was tried more than once, but the alert is rate limited: one line, at error level.
    [alert] = events.named("outbox-aging")
    assert alert["level"] == "ERROR" and alert["depth"] == 1


def test_the_queue_survives_a_gateway_restart(tmp_path: Path, events: Events) -> None:
    port = free_port()
    settings = make_settings(tmp_path, QUICK, next_hop_port=port)
    with RunningGateway(settings) as running:
        _held_with_notice(running)
        wait_for(lambda: events.named("notice-deferred"))
    store = OutboxStore.open(settings.quarantine.url)
    try:
        assert store.depth()[0] == 1  # in the database, not in the stopped process
    finally:
        store.close()
    with Sink(port=port) as sink, RunningGateway(settings):
        wait_for(lambda: sink.received)
    _assert_notice(sink.received)


def test_a_copy_that_cannot_be_encrypted_is_held_not_sent(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text((REPO / "samples" / "policy.toml").read_text())
    write_unusable_certificate(tmp_path / "certs", VENDOR)  # loads, but cannot be encrypted to
    with Sink() as sink:
        settings = make_settings(tmp_path, next_hop_port=sink.port, policy=policy)
        with RunningGateway(settings) as running:
            raw = scenario("gradebook_export_to_authorized_vendor.eml")
            code, reply = running.send(raw, "sis-exports@cusd.com", [VENDOR])
            # Before: a TypeError out of the encryption, and 451 at every retry.
            assert code == 250, reply
            assert running.holder is not None and running.holder.recipients() == [VENDOR]
    assert VENDOR not in sink.handler.all_recipients()  # never in clear
