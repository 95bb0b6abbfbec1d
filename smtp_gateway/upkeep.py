"""The scheduled upkeep in the gateway (`dlp.upkeep`): every ``poll`` seconds, the jobs that
are due run in a worker thread, each under its lock (one gateway of several runs it); each run
is a log line (`upkeep-run`, `upkeep-failed`) and a metric."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Executor

from dlp.upkeep.scheduler import Scheduler
from smtp_gateway.metrics import Metrics
from smtp_gateway.periodic import Periodic, run_every


class UpkeepWorker(Periodic):
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

    async def _loop(self) -> None:
        await run_every(self.executor, self.once, self.poll, "upkeep-unavailable")
