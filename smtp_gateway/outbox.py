"""The worker that drains the outbound queue (`dlp.actions.outbox`) in the gateway process:
every ``poll`` seconds it tries the notices that are due, then publishes the queue's depth and
its oldest entry's age as metrics, and logs an error (at most once per ``alert_every``
seconds) while that age is past ``alert_after``: mail the gateway owes senders is stuck.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from dlp.actions.outbox import Outbox
from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics
from smtp_gateway.periodic import Periodic


@dataclass(eq=False)
class OutboxWorker(Periodic):
    outbox: Outbox
    executor: Executor
    metrics: Metrics
    alert_after: float
    poll: float = 5.0
    alert_every: float = 900.0
    clock: Callable[[], float] = time.monotonic
    last_alert: float | None = field(default=None, init=False)
    task: asyncio.Task[None] | None = field(default=None, init=False)

    # ``stop`` (from `Periodic`) stops after the attempt in progress, if any: an entry cut
    # short keeps its lease and is tried again when it runs out.

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                counts = await loop.run_in_executor(self.executor, self.outbox.drain)
                for attempt, count in counts.items():
                    if count:
                        self.metrics.notices.labels(attempt.value).inc(count)
                depth, age = await loop.run_in_executor(self.executor, self.outbox.depth)
                self.metrics.outbox_depth.set(depth)
                self.metrics.outbox_oldest_seconds.set(age)
                self.check_age(depth, age)
            except Exception as error:
                # The database away for a while: the queue is still there when it comes back.
                log_event("outbox-unavailable", logging.ERROR, error=type(error).__name__)
            await asyncio.sleep(self.poll)

    def check_age(self, depth: int, age: float) -> bool:
        """The alert: an error line while the oldest entry is too old, rate limited."""
        if age <= self.alert_after:
            return False
        now = self.clock()
        if self.last_alert is not None and now - self.last_alert < self.alert_every:
            return False
        self.last_alert = now
        log_event(
            "outbox-aging",
            logging.ERROR,
            depth=depth,
            oldest_seconds=round(age),
            limit_seconds=self.alert_after,
            note="notices and failure reports are not getting out: check the next hop",
        )
        return True
