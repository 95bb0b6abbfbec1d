"""Alerts through real parts: the alert queue in SQLite and PostgreSQL, the notice queue to an
SMTP sink on loopback, and a webhook receiver on loopback that fails (500, then refusing
connections) before it recovers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dlp.actions.outbox import Backoff, Outbox
from dlp.actions.step import ActionStep
from dlp.alerts.alert import Alert, Kind, Severity, decision_alert
from dlp.alerts.dispatch import DIGEST, WEBHOOK, Alerter
from dlp.alerts.routing import route
from dlp.alerts.settings import AlertRoute, AlertSettings
from dlp.alerts.webhook import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from dlp.delivery import NextHop, TlsMode, deliver
from dlp.policy import Decision
from dlp.quarantine.alert_queue import AlertQueueStore
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import bind
from tests.alerts.hooks import Hook
from tests.gateway.sink import Sink, free_port

T0 = 1_800_000_000.0
SECRET = b"webhook-secret-for-tests"
SECURITY = "security@cusd.com"
CLEAR = (b"536-22-1234", b"536-22-5678", b"536221234")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Parts:
    def __init__(self, url: str, sink: Sink, settings: AlertSettings, clock: Clock) -> None:
        self.store = AlertQueueStore.open(url)
        self.outbox_store = OutboxStore.open(url)
        send = bind(deliver, NextHop("127.0.0.1", sink.port, tls=TlsMode.NONE, timeout=10))
        outbox = Outbox(self.outbox_store, send, Backoff(10, 40), clock=clock)
        self.alerter = Alerter(
            settings, self.store, ActionStep(send, outbox), "postmaster@cusd.com", SECRET, clock
        )

    def close(self) -> None:
        self.store.close()
        self.outbox_store.close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def _parts(store_url: str, sink: Sink, clock: Clock, **settings: object) -> Parts:
    values: dict[str, object] = {"email": (SECURITY,), "retry_seconds": 10.0}
    values.update(settings)
    return Parts(store_url, sink, AlertSettings(**values), clock)  # type: ignore[arg-type]


def _held_alert(decision: Decision) -> Alert:
    alert = decision_alert(
        decision,
        gateway_id="gw-1",
        message_id="<r***@cusd.com>",
        held={addr: "abc123" for addr in decision.per_recipient},
        refused=(),
        public_url="https://dlp.cusd.com/",
        now=T0,
    )
    assert alert is not None
    return alert


def _assert_signed(post_headers: dict[str, str], body: bytes) -> None:
    assert verify(
        SECRET, post_headers[TIMESTAMP_HEADER.lower()], body, post_headers[SIGNATURE_HEADER.lower()]
    )
    assert not verify(
        b"another secret",
        post_headers[TIMESTAMP_HEADER.lower()],
        body,
        post_headers[SIGNATURE_HEADER.lower()],
    )


def test_a_held_ssn_message_is_told_at_once_by_mail_and_signed_webhook(
    store_url: str,
    sink: Sink,
    held_decision: Decision,
) -> None:
    clock = Clock()
    with Hook() as hook:
        parts = _parts(store_url, sink, clock, webhook_url=hook.url)
        try:
            raised = parts.alerter.raise_alert(_held_alert(held_decision))
            assert raised.severity is Severity.IMMEDIATE  # US_SSN is an immediate entity
            parts.alerter.first_attempts(raised)
        finally:
            parts.close()
        [post] = hook.posts
    _assert_signed(post.headers, post.body)
    body = json.loads(post.body)
    assert body["kind"] == Kind.HELD.value and body["severity"] == "immediate"
    assert body["link"] == "https://dlp.cusd.com/messages/abc123"
    assert "secrets-outside" in body["rules"]
    [ssn] = [f for f in body["findings"] if f["entity_type"] == "US_SSN"]
    assert ssn["count"] == 2 and ssn["masked"] and all("*" in m for m in ssn["masked"])
    [mail] = sink.received
    assert mail.recipients == [SECURITY] and mail.sender == "<>"
    assert b"https://dlp.cusd.com/messages/abc123" in mail.data
    assert b"secrets-outside" in mail.data
    for value in CLEAR:
        assert value not in post.body and value not in mail.data


def test_a_webhook_answering_500_is_retried_with_backoff_until_it_takes_the_alert(
    store_url: str,
    sink: Sink,
    held_decision: Decision,
) -> None:
    clock = Clock()
    with Hook() as hook:
        hook.receiver.status = lambda number: 500 if number < 2 else 200
        parts = _parts(store_url, sink, clock, webhook_url=hook.url, email=())
        try:
            raised = parts.alerter.raise_alert(_held_alert(held_decision))
            parts.alerter.first_attempts(raised)
            assert len(hook.posts) == 1 and parts.store.depth() == {WEBHOOK: 1}
            clock.now = T0 + 9
            assert parts.alerter.drain()["posted"] == 0 and len(hook.posts) == 1  # not yet due
            clock.now = T0 + 11
            assert parts.alerter.drain()["retry"] == 1  # the second 500: next wait 20 s
            clock.now = T0 + 25
            assert parts.alerter.drain() == {"posted": 0, "retry": 0, "digests": 0}
            clock.now = T0 + 32
            assert parts.alerter.drain()["posted"] == 1
            assert parts.store.depth() == {}
        finally:
            parts.close()
        posts = hook.posts
    assert len(posts) == 3
    assert (
        len({post.headers[ID_HEADER.lower()] for post in posts}) == 1
    )  # one alert, tried three times
    assert len({post.body for post in posts}) == 1
    for post in posts:
        _assert_signed(post.headers, post.body)


def test_a_webhook_refusing_connections_loses_nothing_and_gets_it_once_it_listens(
    store_url: str,
    sink: Sink,
    held_decision: Decision,
) -> None:
    clock = Clock()
    port = free_port()  # nothing listens there
    parts = _parts(store_url, sink, clock, webhook_url=f"http://127.0.0.1:{port}/hook")
    try:
        raised = parts.alerter.raise_alert(_held_alert(held_decision))
        parts.alerter.first_attempts(raised)  # refused: kept, and the mail went out anyway
        assert len(sink.received) == 1
        assert parts.store.depth() == {WEBHOOK: 1}
        with parts.store.engine.connect() as connection:
            from dlp.quarantine import schema

            [error] = connection.execute(schema.alert_queue.select()).all()
        assert error.last_error == "ConnectionRefusedError" and error.attempts == 1
        with Hook(port) as hook:
            clock.now = T0 + 11
            assert parts.alerter.drain()["posted"] == 1
            [post] = hook.posts
        _assert_signed(post.headers, post.body)
        assert parts.store.depth() == {}
    finally:
        parts.close()


def test_other_alerts_wait_for_one_digest_per_period(
    store_url: str,
    sink: Sink,
) -> None:
    clock = Clock()
    with Hook() as hook:
        parts = _parts(store_url, sink, clock, webhook_url=hook.url, digest_minutes=15)
        try:
            for number in range(3):
                alert = Alert(
                    Kind.HELD,
                    f"Message {number} held: class-list-outside",
                    T0,
                    rules=("class-list-outside",),
                    categories=("GRADES",),
                )
                raised = parts.alerter.raise_alert(alert)
                assert raised.severity is Severity.DIGEST and raised.digest_entries == 2
                parts.alerter.first_attempts(raised)
            assert sink.received == [] and hook.posts == []
            assert parts.store.depth() == {DIGEST: 6}
            due = parts.alerter.digest_due(T0)
            assert due % 900 == 0 and T0 < due <= T0 + 900
            clock.now = due - 1
            assert parts.alerter.drain()["digests"] == 0
            clock.now = due
            counts = parts.alerter.drain()
            assert counts["digests"] == 2 and counts["posted"] == 1
            assert parts.store.depth() == {}
            [post] = hook.posts
        finally:
            parts.close()
    body = json.loads(post.body)
    assert body["kind"] == "digest" and len(body["alerts"]) == 3
    _assert_signed(post.headers, post.body)
    [mail] = sink.received
    assert mail.recipients == [SECURITY]
    text = mail.data.decode()
    assert "3 alerts" in text and all(f"Message {n} held" in text for n in range(3))


def test_routes_choose_who_is_told_and_what_is_immediate() -> None:
    settings = AlertSettings(
        email=(SECURITY,),
        immediate_rules=("bulk-students-outside",),
        immediate_categories=("SPECIAL_EDUCATION",),
        immediate_entities=(),
        routes=(
            AlertRoute(email=("nurse@cusd.com",), categories=("HEALTH",)),
            AlertRoute(email=("sped@cusd.com",), rules=("iep-outside",), immediate=True),
        ),
    )

    def told(rules: tuple[str, ...], categories: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        routed = route(Alert(Kind.HELD, "x", T0, rules=rules, categories=categories), settings)
        return routed.alert.severity.value, routed.email

    assert told(("class-list-outside",), ("GRADES",)) == ("digest", (SECURITY,))
    assert told(("bulk-students-outside",), ()) == ("immediate", (SECURITY,))
    assert told((), ("SPECIAL_EDUCATION",)) == ("immediate", (SECURITY,))
    assert told(("x",), ("HEALTH",)) == ("digest", (SECURITY, "nurse@cusd.com"))
    assert told(("iep-outside",), ()) == ("immediate", (SECURITY, "sped@cusd.com"))
    tampering = route(Alert(Kind.AUDIT_TAMPERING, "x", T0), settings)
    assert tampering.alert.severity is Severity.IMMEDIATE


def test_a_standing_condition_is_told_once_per_period_by_one_of_two_gateways(
    store_url: str,
) -> None:
    first, second = AlertQueueStore.open(store_url), AlertQueueStore.open(store_url)
    try:
        assert first.claim_condition("quarantine-size", T0, 3600)
        assert not second.claim_condition("quarantine-size", T0 + 1, 3600)
        assert not first.claim_condition("quarantine-size", T0 + 3599, 3600)
        assert second.claim_condition("quarantine-size", T0 + 3600, 3600)
        second.forget_condition("quarantine-size")  # over: the next time is told at once
        assert first.claim_condition("quarantine-size", T0 + 3601, 3600)
    finally:
        first.close()
        second.close()
