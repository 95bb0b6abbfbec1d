"""A real gateway sends one CEF event per decision to a syslog listener on loopback (TCP), and
its metrics count the decision by verdict, recipient kind, rule and category, and show the
review queue."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.harness import RunningGateway, make_settings, scenario
from tests.gateway.sink import Sink
from tests.gateway.test_outbox import metric, wait_for
from tests.siem.listeners import RFC5424, Listener


def test_a_decision_becomes_one_cef_event_and_labelled_metrics(tmp_path: Path) -> None:
    with Sink() as sink, Listener("tcp") as listener:
        tables = f'[siem]\nsyslog = "tcp://127.0.0.1:{listener.port}"\nformat = "cef"\n'
        settings = make_settings(tmp_path, next_hop_port=sink.port, tables=tables)
        with RunningGateway(settings) as running:
            code, reply = running.send(
                scenario("iep_to_parent_personal_address.eml"),
                "mlopez@cusd.com",
                ["parent.jones1984@gmail.com", "sped.coordinator@cusd.com"],
            )
            assert code == 250, reply
            wait_for(lambda: listener.received())

            def counted(line: str) -> float:
                return metric(running, line)

            assert counted('dlp_gateway_decisions_total{kind="external",verdict="quarantine"}') == 1
            assert counted('dlp_gateway_decisions_total{kind="internal",verdict="deliver"}') == 1
            assert (
                counted(
                    'dlp_gateway_rule_hits_total{kind="external",rule="student-record-outside",'
                    'verdict="quarantine"}'
                )
                == 1
            )
            assert (
                counted(
                    'dlp_gateway_category_messages_total{category="SPECIAL_EDUCATION",'
                    'verdict="quarantine"}'
                )
                == 1
            )
            wait_for(lambda: counted("dlp_gateway_quarantine_held") == 1, 20)
            assert counted("dlp_gateway_quarantine_held_bytes") > 0
            assert counted('dlp_gateway_siem_events_total{result="queued"}') == 1
            assert "dlp_gateway_outbox_depth" in _exposition(running)
    [raw] = listener.received()
    found = RFC5424.match(raw)
    assert found is not None
    text = found["msg"].decode()
    assert text.startswith("CEF:0|K12-DLP|dlp-gateway|1|dlp-decision|message quarantine|7|")
    assert "student-record-outside" in text and "20231234" not in text
    assert "mlopez@cusd.com" not in text  # the sender is a digest


def _exposition(running: RunningGateway) -> str:
    import urllib.request

    url = f"http://127.0.0.1:{running.gateway.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())
