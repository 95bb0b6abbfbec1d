"""The scheduled upkeep in the gateway (`dlp.upkeep`): every ``poll`` seconds, the jobs that
are due run in a worker thread, each under its lock (one gateway of several runs it); each run
is a log line (`upkeep-run`, `upkeep-failed`) and a metric."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Executor

from dlp.upkeep.scheduler import Scheduler
from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics


class UpkeepWorker:
    def __init__(
        self, scheduler: Scheduler, executor: Executor, metrics: Metrics, poll: float = 60.0
    ) -> None:
        self.scheduler = scheduler
        self.executor = executor
        self.metrics = metrics
        self.poll = poll
        self.task: asyncio.Task[None] | None = None
        self.rounds = 0  # rounds completed, for /healthz readers and tests

    def once(self) -> None:
        results = self.scheduler.run_due()
        self.rounds += 1
        for ran in results:
            if ran.result == "not-due":
                continue
            self.metrics.upkeep_runs.labels(ran.job, ran.result).inc()
            if ran.result == "ok":
                self.metrics.upkeep_last_success.labels(ran.job).set(time.time())

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(self.executor, self.once)
            except Exception as error:
                log_event("upkeep-unavailable", logging.ERROR, error=type(error).__name__)
            await asyncio.sleep(self.poll)
