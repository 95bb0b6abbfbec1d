"""Alerts through a real gateway: a held IEP and a refused gradebook export are told to
security staff by mail (at an SMTP sink on loopback, through the gateway's own notice queue)
and by a signed webhook (a real HTTP server on loopback), with a link to the held message in
`dlp web` and no clear value; a webhook that is down when the message arrives neither delays
the reply nor loses the alert."""

from __future__ import annotations

import json
import time
from pathlib import Path

from dlp.alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.alerts.hooks import Hook
from tests.gateway.harness import RunningGateway, make_settings, scenario
from tests.gateway.sink import Sink, free_port
from tests.gateway.test_outbox import metric, wait_for

SECURITY = "security@cusd.com"
SECRET = b"district-webhook-secret"
PUBLIC = "https://dlp.cusd.com"
STUDENT_ID = b"20231234"  # in the IEP scenario: never in an alert


def _settings(tmp: Path, sink_port: int, hook_url: str) -> object:
    (tmp / "webhook.key").write_bytes(SECRET + b"\n")
    tables = f"""
[web]
public_url = "{PUBLIC}/"
[alerts]
email = ["{SECURITY}"]
webhook_url = "{hook_url}"
webhook_secret_file = "webhook.key"
retry_seconds = 0.5
retry_max_seconds = 1
immediate_categories = ["SPECIAL_EDUCATION"]
immediate_rules = ["bulk-students-outside"]
"""
    return make_settings(tmp, "notice_retry_seconds = 1\n", next_hop_port=sink_port, tables=tables)


def _alert_mails(sink: Sink) -> list[bytes]:
    return [item.data for item in sink.received if item.recipients == [SECURITY]]


def test_a_held_and_a_refused_message_are_told_by_mail_and_webhook(tmp_path: Path) -> None:
    with Sink() as sink, Hook() as hook:
        settings = _settings(tmp_path, sink.port, hook.url)
        with RunningGateway(settings) as running:  # type: ignore[arg-type]
            code, reply = running.send(
                scenario("iep_to_parent_personal_address.eml"),
                "mlopez@cusd.com",
                ["parent.jones1984@gmail.com", "sped.coordinator@cusd.com"],
            )
            assert code == 250, reply
            code, reply = running.send(
                scenario("gradebook_export_to_personal_address.eml"),
                "sis-exports@cusd.com",
                ["jsmith.teacher@yahoo.com"],
            )
            assert code == 550, reply
            wait_for(lambda: len(hook.posts) == 2 and len(_alert_mails(sink)) == 2)
            assert running.holder is not None
            [(held_id, _)] = running.holder.held
            wait_for(lambda: metric(running, 'dlp_gateway_alert_queue{channel="webhook"}') == 0)
            assert (
                metric(
                    running,
                    'dlp_gateway_alerts_total{kind="message-held",severity="immediate"}',
                )
                == 1
            )
    bodies = {}
    for post in hook.posts:
        headers = post.headers
        assert verify(
            SECRET, headers[TIMESTAMP_HEADER.lower()], post.body, headers[SIGNATURE_HEADER.lower()]
        )
        body = json.loads(post.body)
        bodies[body["kind"]] = body
        assert STUDENT_ID not in post.body
    held, refused = bodies["message-held"], bodies["message-rejected"]
    assert held["link"] == f"{PUBLIC}/messages/{held_id}" and held["held_id"] == held_id
    assert held["recipients"]["domains"] == ["gmail.com"]  # the district copy is not blocked
    assert "student-record-outside" in held["rules"] and "SPECIAL_EDUCATION" in held["categories"]
    assert refused["link"] is None and "bulk-students-outside" in refused["rules"]
    assert refused["severity"] == "immediate"
    assert refused["recipients"]["refused"] == 1
    for mail in _alert_mails(sink):
        assert STUDENT_ID not in mail
    assert any(f"{PUBLIC}/messages/{held_id}".encode() in mail for mail in _alert_mails(sink))


def test_a_webhook_down_neither_delays_mail_nor_loses_the_alert(tmp_path: Path) -> None:
    port = free_port()
    with Sink() as sink:
        settings = _settings(tmp_path, sink.port, f"http://127.0.0.1:{port}/hook")
        with RunningGateway(settings) as running:  # type: ignore[arg-type]
            started = time.monotonic()
            code, reply = running.send(
                scenario("iep_to_parent_personal_address.eml"),
                "mlopez@cusd.com",
                ["parent.jones1984@gmail.com"],
            )
            assert code == 250, reply
            assert time.monotonic() - started < 15
            wait_for(lambda: metric(running, 'dlp_gateway_alert_sends_total{result="retry"}') >= 1)
            assert len(_alert_mails(sink)) == 1  # the mail went out; the webhook waits
            with Hook(port) as hook:
                wait_for(lambda: hook.posts)
                wait_for(lambda: metric(running, 'dlp_gateway_alert_queue{channel="webhook"}') == 0)
            [post] = hook.posts
    assert json.loads(post.body)["kind"] == "message-held"
