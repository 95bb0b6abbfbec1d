"""One SIEM event per decision (`dlp.siem`), handed to the shipper's queue: never waits for
the SIEM, and counts what its full queue drops."""

from __future__ import annotations

from dlp.siem.event import decision_event
from dlp.siem.formats import render
from dlp.siem.settings import SiemSettings
from dlp.siem.syslog import INFO, NOTICE, WARNING, Shipper, SyslogClient, message
from smtp_gateway.metrics import Metrics
from smtp_gateway.observers import Decided

_SEVERITY = {"reject": WARNING, "quarantine": NOTICE}


class SiemEvents:
    def __init__(
        self, settings: SiemSettings, secret: bytes, metrics: Metrics, hostname: str
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.metrics = metrics
        self.hostname = hostname
        self.shipper = Shipper(SyslogClient(settings), settings.queue_size)

    def start(self) -> None:
        self.shipper.start()

    def close(self) -> None:
        self.shipper.close()

    async def decided(self, decided: Decided) -> None:
        event = decision_event(
            decided.decision,
            secret=self.secret,
            gateway_id=decided.gateway_id,
            message_id=decided.message_id,
            reply=decided.reply,
            policy_version=decided.policy_version,
            held=decided.held,
            now=decided.time,
        )
        data = message(
            render(event, self.settings.format),
            facility=self.settings.facility,
            severity=_SEVERITY.get(str(event["verdict"]), INFO),
            app_name=self.settings.app_name,
            msgid="dlp-decision",
            now=decided.time,
            hostname=self.hostname,
        )
        queued = self.shipper.offer(data)
        self.metrics.siem_events.labels("queued" if queued else "dropped").inc()
        self.metrics.siem_queue.set(self.shipper.depth())
