"""The outbound queue's rules over its real store (SQLite and PostgreSQL) and a real next hop
on loopback: backoff, one owner per entry, a refusal for good, the depth and the age."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dlp.actions.mail import NoticeMail, compose
from dlp.actions.outbox import Attempt, Backoff, Outbox
from dlp.delivery import NextHop, TlsMode, deliver
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import bind
from tests.gateway.sink import Sink
from tests.quarantine.conftest import postgres_schema_url, store_url  # noqa: F401 (fixtures)

T0 = 1_800_000_000.0
SENDER = "teacher@cusd.com"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


@pytest.fixture
def stores(store_url: str) -> Iterator[tuple[OutboxStore, OutboxStore]]:  # noqa: F811
    """Two handles on one queue, as two gateways sharing a quarantine have."""
    first, second = OutboxStore.open(store_url), OutboxStore.open(store_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _mail() -> NoticeMail:
    data = compose("postmaster@cusd.com", SENDER, "Your message was held", "Held.\n", "<m@x>")
    return NoticeMail(SENDER, data, "notice", "gw-1")


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(60, 3600)
    assert [backoff.delay(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_an_entry_is_retried_with_backoff_by_exactly_one_owner(stores, sink) -> None:
    first_store, second_store = stores
    clock = Clock()
    send = bind(deliver, NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10))
    first = Outbox(first_store, send, Backoff(10, 40), lease=600, clock=clock)
    second = Outbox(second_store, send, Backoff(10, 40), lease=600, clock=clock)
    sink.handler.rcpt_reply = lambda address: "451 4.3.0 try later"
    [queued] = first.put([_mail()])
    assert second.drain()[Attempt.RETRY] == 0  # the putter owns its first attempt
    assert first.attempt(queued).attempt is Attempt.RETRY
    clock.now = T0 + 9
    assert second.drain() == dict.fromkeys(Attempt, 0)  # not due before its backoff
    clock.now = T0 + 11
    assert second.drain()[Attempt.RETRY] == 1  # second attempt: the next wait is 20 s
    clock.now = T0 + 25
    assert first.drain() == dict.fromkeys(Attempt, 0)
    assert first.depth() == (1, 25.0)
    clock.now = T0 + 32
    sink.handler.rcpt_reply = lambda address: None
    # Both drain at once: the conditional claim gives the entry to one of them.
    assert first.drain()[Attempt.SENT] + second.drain()[Attempt.SENT] == 1
    assert [item.recipients for item in sink.received] == [[SENDER]]
    assert sink.received[0].sender == "<>"
    assert first.depth() == (0, 0.0)
    assert sink.handler.sessions == 3  # put off twice, then one delivery: none missed or doubled


def test_a_notice_refused_for_good_is_dropped(stores, sink) -> None:
    store, _ = stores
    outbox = Outbox(store, bind(deliver, NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE)))
    sink.handler.rcpt_reply = lambda address: "550 5.1.1 no such user"
    [queued] = outbox.put([_mail()])
    assert outbox.attempt(queued).attempt is Attempt.REFUSED
    assert store.depth() == (0, None)
