"""What the relay tells others once a message is decided and acted on: the alerts
(`alerting`), the SIEM's events (`siem_events`), the decisions table and the metrics.

Each observer's `decided` never raises and returns quickly (it stores, or queues for a
thread of its own): the reply waits for them, so that an alert is durable before the 250.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from dlp.model import ScanResult
from dlp.policy import Decision


@dataclass(frozen=True, slots=True)
class Decided:
    decision: Decision
    gateway_id: str
    message_id: str  # masked
    held: Mapping[str, str]  # address -> quarantine id
    refused: tuple[str, ...]  # by the policy
    delivered: tuple[str, ...]
    reply: str
    policy_version: str
    time: float
    scan: ScanResult | None = None

    @property
    def final(self) -> bool:
        """The sending MTA is done with it (not put off with a 4xx)."""
        return not self.reply.startswith("4")


class Observer(Protocol):
    async def decided(self, decided: Decided) -> None: ...
