"""The quarantine's review queue as gauges: how many messages wait, their bytes, the oldest
one's age; read from the quarantine's database every ``poll`` seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor

from sqlalchemy import Engine

from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics
from smtp_gateway.periodic import Periodic


class QueueGauges(Periodic):
    def __init__(
        self, engine: Engine, metrics: Metrics, executor: Executor, poll: float = 5.0
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.executor = executor
        self.poll = poll
        self.task: asyncio.Task[None] | None = None

    def update(self) -> None:
        from dlp.quarantine.alert_queue import held_oldest, held_size

        count, size = held_size(self.engine)
        oldest = held_oldest(self.engine)
        self.metrics.quarantine_held.set(count)
        self.metrics.quarantine_held_bytes.set(size)
        self.metrics.quarantine_oldest_seconds.set(
            0.0 if oldest is None else max(0.0, time.time() - oldest)
        )

    async def stop(self) -> None:
        await super().stop()
        self.engine.dispose()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        failed = False
        while True:
            try:
                await loop.run_in_executor(self.executor, self.update)
                failed = False
            except Exception as error:
                if not failed:
                    log_event(
                        "queue-gauges-unavailable", logging.WARNING, error=type(error).__name__
                    )
                failed = True
            await asyncio.sleep(self.poll)
