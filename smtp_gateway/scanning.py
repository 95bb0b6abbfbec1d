"""Scanning off the event loop: a pool of worker processes, one message each at a time.

Not `concurrent.futures.ProcessPoolExecutor`, because a scan that runs out of time must be
stopped, and only the process running it can be: here each worker has its own pipe, a scan
that overruns kills exactly its worker, and a fresh worker takes its place. A worker that
crashes is replaced the same way. When every worker is busy and ``max_pending`` scans already
wait, `check` raises `Saturated` at once (the gateway answers 4xx: back-pressure).

A worker scans and decides (`smtp_gateway.checking`): the time limit runs from the moment the
message is handed to it until its whole answer is read back, so it covers extraction,
detection, the decision and the transfer, and nothing of that runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from smtp_gateway.checking import Ask, Checked, DecisionRules
from smtp_gateway.roster_swap import RosterSwap
from smtp_gateway.worker import ScanJob, serve

log = logging.getLogger("smtp_gateway.scanning")
START_SECONDS = 120.0


class ScanFailed(Exception):
    """A scan that gave no result: ``kind`` is "timeout", "crash" or "error"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class Saturated(Exception):
    """Every worker is busy and the waiting line is full."""


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, job: ScanJob) -> None:
        parent, child = context.Pipe()
        self.connection: Connection = parent
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=serve, args=(child, job), daemon=True, name="dlp-scan"
        )
        self.process.start()
        child.close()
        if not parent.poll(START_SECONDS):
            self.kill()
            raise RuntimeError("a scanning process did not start in time")
        try:
            status, detail = parent.recv()
        except EOFError:
            self.kill()
            raise RuntimeError(
                f"a scanning process exited while starting (code {self.process.exitcode})"
            ) from None
        if status != "ready":
            self.kill()
            raise RuntimeError(f"a scanning process could not build its scanner: {detail}")
        self.policy_version: str | None = None  # the policy this process was last sent
        self.roster_version = job.roster_version  # the roster it scans with
        self.roster_tried = job.roster_version  # the last one it was asked to load

    def swap_roster(self, swap: RosterSwap, timeout: float) -> None:
        """Load ``swap``'s roster in this process (between messages); `ScanFailed` if not."""
        self.roster_tried = swap.version
        status, detail = self._exchange(
            lambda: self.connection.send(swap),
            lambda: timeout,
            f"the roster did not load in {timeout:g} s",
        )
        if status != "swapped":
            raise ScanFailed("error", str(detail))
        self.roster_version = swap.version

    def call(self, raw: bytes, ask: Ask, rules: DecisionRules, timeout: float) -> Checked:
        deadline = time.monotonic() + timeout
        sent = None if rules.version == self.policy_version else rules

        def send() -> None:
            self.connection.send((ask, sent))
            self.policy_version = rules.version
            self.connection.send_bytes(raw)

        # The answer is small (findings are capped per type), so reading it stays within the
        # limit; a process that keeps writing past the deadline is stopped all the same.
        status, payload = self._exchange(
            send,
            lambda: max(0.0, deadline - time.monotonic()),
            f"no result after {timeout:g} s",
        )
        if time.monotonic() > deadline:
            self.kill()
            raise ScanFailed("timeout", f"the result took longer than {timeout:g} s")
        if status == "ok":
            assert isinstance(payload, Checked)
            return payload
        raise ScanFailed("error", str(payload))

    def _exchange(
        self, send: Callable[[], None], wait: Callable[[], float], late: str
    ) -> tuple[str, Any]:
        """``send``, then the answer if it comes within ``wait()`` seconds (measured once
        sent); else the process is killed and `ScanFailed` says why: "timeout" (``late``), or
        "crash" when the pipe broke."""
        try:
            send()
            if not self.connection.poll(wait()):
                self.kill()
                raise ScanFailed("timeout", late)
            status, answer = self.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            self.kill()
            reason = f"the scanning process died ({type(error).__name__})"
            raise ScanFailed("crash", reason) from None
        return status, answer

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()  # the worker sees EOF and returns
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class ScanPool:
    def __init__(
        self,
        job: ScanJob,
        workers: int = 0,
        max_pending: int = 0,
        timeout: float = 30.0,
        start_method: str = "forkserver",
    ) -> None:
        self.job = job
        self.size = workers or os.cpu_count() or 1
        self.max_pending = max_pending or 8 * self.size
        self.timeout = timeout
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Workers fork from a process that already imported the detection stack.
            self._context.set_forkserver_preload(
                ["smtp_gateway.worker", "dlp.engine", "dlp.pipeline"]
            )
        self._threads = ThreadPoolExecutor(self.size + 2, thread_name_prefix="dlp-scan")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0
        self._busy = 0
        self._replacing: set[asyncio.Task[None]] = set()
        self._closed = False
        self._roster: RosterSwap | None = None  # the roster every process is to scan with

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(
            *(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.size))
        )
        for worker in workers:
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Worker:
        for attempt in range(3):
            try:
                worker = _Worker(self._context, self.job)
                break
            except RuntimeError as error:
                if attempt == 2:
                    raise
                log.warning("retrying the start of a scanning process: %s", error)
        with self._lock:
            self._all.add(worker)
        return worker

    @property
    def saturated(self) -> bool:
        return self._idle.empty() and self._waiting >= self.max_pending

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def waiting(self) -> int:
        return self._waiting

    async def check(self, raw: bytes, ask: Ask, rules: DecisionRules) -> Checked:
        """The message scanned and decided in a worker, within ``timeout`` seconds."""
        if self._closed:
            raise Saturated("the scanning pool is closed")
        if self.saturated:
            raise Saturated(f"{self.size} scans running and {self._waiting} waiting")
        self._waiting += 1
        try:
            worker = await self._idle.get()
        finally:
            self._waiting -= 1
        self._busy += 1
        loop = asyncio.get_running_loop()
        try:
            roster = self._roster
            if roster is not None and worker.roster_tried != roster.version:
                # A process not yet on the current roster loads it first (`swap_roster`);
                # one that cannot keeps scanning with the roster it has.
                await self._swap(worker, roster)
            result = await loop.run_in_executor(
                self._threads, worker.call, raw, ask, rules, self.timeout
            )
        except ScanFailed as failure:
            if failure.kind == "error":
                self._idle.put_nowait(worker)
            else:
                self._replace(worker)
            raise
        except BaseException:
            # Cancelled while the worker runs: it is in an unknown state; replace it.
            self._replace(worker)
            raise
        finally:
            self._busy -= 1
        self._idle.put_nowait(worker)
        return result

    async def swap_roster(self, swap: RosterSwap) -> None:
        """Every process to the roster of ``swap``, one idle process at a time.

        Processes started from now on load it at start; each running one loads it between two
        messages, before its next message at the latest (`check`). Meanwhile the others go
        on scanning with the old roster, so capacity drops by one process at most.
        """
        detection = replace(self.job.detection, roster_path=swap.path)
        self.job = replace(self.job, detection=detection, roster_version=swap.version)
        self._roster = swap
        for _ in range(self.size):
            if self._closed:
                return
            worker = await self._idle.get()
            try:
                if worker.roster_tried != swap.version and self._roster is swap:
                    await self._swap(worker, swap)
            except ScanFailed:  # the process was stopped: its replacement starts on ``swap``
                self._replace(worker)
                continue
            except BaseException:
                self._replace(worker)
                raise
            self._idle.put_nowait(worker)

    async def _swap(self, worker: _Worker, swap: RosterSwap) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._threads, worker.swap_roster, swap, START_SECONDS)
        except ScanFailed as failure:
            log.error("a scanning process kept its roster: %s", failure.detail)
            if failure.kind != "error":
                raise

    def roster_versions(self) -> dict[str, int]:
        """How many processes scan with each roster version."""
        with self._lock:
            versions = [w.roster_version or "" for w in self._all]
        return {v: versions.count(v) for v in sorted(set(versions))}

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._respawn(worker))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _respawn(self, old: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, old.kill)
        while not self._closed:
            try:
                worker = await loop.run_in_executor(self._threads, self._spawn)
            except RuntimeError as error:
                log.error("cannot replace a scanning process: %s", error)
                await asyncio.sleep(5)
                continue
            if self._closed:
                await loop.run_in_executor(self._threads, worker.stop)
                return
            self._idle.put_nowait(worker)
            return

    async def close(self) -> None:
        self._closed = True
        for task in list(self._replacing):
            task.cancel()
        loop = asyncio.get_running_loop()
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        await asyncio.gather(*(loop.run_in_executor(self._threads, w.stop) for w in workers))
        self._threads.shutdown(wait=False, cancel_futures=True)
