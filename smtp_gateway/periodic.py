"""The gateway's background workers (outbox, alerts, upkeep, queue gauges) share one life:
``start`` runs the worker's ``_loop`` as a task in the running event loop, ``stop`` cancels it
and waits for it to end. Most loops are `run_every`: a job in a worker thread every ``poll``
seconds, a failure logged as an error line and tried again on the next round."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from smtp_gateway.logs import log_event


class Periodic:
    """Mixin: ``task`` is the running loop, or None before ``start`` and after ``stop``."""

    task: asyncio.Task[None] | None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _loop(self) -> None:
        raise NotImplementedError


async def run_every(executor: Executor, job: Callable[[], object], poll: float, event: str) -> None:
    """``job`` in ``executor`` every ``poll`` seconds, for ever; a failure is the error line
    ``event`` naming only the exception's type."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(executor, job)
        except Exception as error:
            log_event(event, logging.ERROR, error=type(error).__name__)
        await asyncio.sleep(poll)
