"""Tasks fanned out to worker processes, locally or on a Dask cluster, results as they finish.

Only a bounded number of tasks is in flight at once (``IN_FLIGHT_PER_WORKER`` per worker), so
memory does not grow with the size of the export: the walk is consumed as results come back.

Local workers take files a few at a time (``batches``): each hand-off costs the coordinating
process a few hundred microseconds of CPU (pickling, the pool's queue threads waking each
other), and that process shares the cores the workers scan on, while most files of an export
scan in a few milliseconds. A batch ends at ``BATCH_BYTES`` too, so large files still spread
evenly over the workers and the last batches leave none idle for long.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from dlp.engine import DetectionConfig
from dlp.export import result as r
from dlp.export.initializer import start_worker
from dlp.export.naming import path_digest, shown_path
from dlp.export.worker import Task, scan_task, warm
from dlp.extract import Limits

IN_FLIGHT_PER_WORKER = 4
BATCH_FILES = 16
BATCH_BYTES = 1 << 20


def default_workers() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def failed(task: Task, error: BaseException, secret: bytes) -> r.FileResult:
    """A task that raised (a bug, a worker that died) is reported, never dropped (its name
    unscanned, so masked as any name is: digit runs and e-mail addresses)."""
    file = task.file
    shown = shown_path(file.location, file.drive_path)
    return r.FileResult(
        key=path_digest(secret, file.key),
        drive_key=path_digest(secret, file.drive_key),
        location=shown.location,
        folder=shown.folder,
        size=file.size,
        mtime=file.mtime,
        content_hash="",
        owner=task.meta.owner,
        shared_with=task.meta.shared_with,
        exposure=task.exposure,
        status=r.UNSCANNABLE,
        metadata_source=task.meta.source,
        unscannable=(
            {
                "kind": "unscannable",
                "location": shown.location,
                "reason": "corrupt",
                "detail": f"scan failed ({type(error).__name__})",
            },
        ),
        unscannable_total=1,
    )


def stored_scan(task: Task, config: DetectionConfig, limits: Limits) -> r.StoredResult:
    """``scan_task``, its result encoded for the state file where it ran (a worker)."""
    return scan_task(task, config, limits).stored()


def run_serial(
    tasks: Iterable[Task], config: DetectionConfig, limits: Limits
) -> Iterator[r.StoredResult]:
    """In this process, one at a time (one worker, tests, debugging, a batch in a worker)."""
    for task in tasks:
        try:
            result = scan_task(task, config, limits)
        except Exception as error:
            result = failed(task, error, config.secret)
        yield result.stored()


def stored_batch(
    tasks: tuple[Task, ...], config: DetectionConfig, limits: Limits
) -> list[r.StoredResult]:
    """A batch's results, where it ran (a worker); one task's failure is its own."""
    return list(run_serial(tasks, config, limits))


def batches(
    tasks: Iterable[Task], files: int = BATCH_FILES, size: int = BATCH_BYTES
) -> Iterator[tuple[Task, ...]]:
    """Consecutive tasks, at most ``files`` of them, ended by the one that reaches ``size``
    bytes (so a large file goes alone, or last)."""
    batch: list[Task] = []
    total = 0
    for task in tasks:
        batch.append(task)
        total += task.file.size
        if len(batch) >= files or total >= size:
            yield tuple(batch)
            batch, total = [], 0
    if batch:
        yield tuple(batch)


def run_local(
    tasks: Iterable[Task], config: DetectionConfig, limits: Limits, workers: int
) -> Iterator[r.StoredResult]:
    if workers <= 1:
        yield from run_serial(tasks, config, limits)
        return
    # "spawn": a fresh interpreter per worker, whatever threads this process has running.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(pickle.dumps(config),)
    )
    pending: dict[Future[list[r.StoredResult]], tuple[Task, ...]] = {}
    try:
        for batch in batches(tasks):
            pending[pool.submit(stored_batch, batch, config, limits)] = batch
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield from _drain(pending, len(pending) - 1, config.secret)
        yield from _drain(pending, 0, config.secret)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _drain(
    pending: dict[Future[list[r.StoredResult]], tuple[Task, ...]], until: int, secret: bytes
) -> Iterator[r.StoredResult]:
    while len(pending) > until:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            batch = pending.pop(future)
            error = future.exception()
            if error is None:
                yield from future.result()
            else:  # the worker died (or the batch could not be sent): all of it is reported
                yield from (failed(task, error, secret).stored() for task in batch)


def run_dask(
    tasks: Iterable[Task], config: DetectionConfig, limits: Limits, address: Any
) -> Iterator[r.StoredResult]:
    """On a Dask distributed cluster; ``address`` is a scheduler address or a ``Client``.

    Workers read the export from the same paths, so it must be on storage they share.
    """
    from distributed import Client, as_completed

    own_client = not isinstance(address, Client)
    client = Client(address, set_as_default=False) if own_client else address
    try:
        client.run(warm, config)  # every current worker builds its scanner once, up front
        config_future = client.scatter(config, broadcast=True)
        threads = max(sum(client.nthreads().values()), 1)
        window = threads * IN_FLIGHT_PER_WORKER
        pending = as_completed(loop=client.loop)
        owners: dict[object, Task] = {}
        source = iter(tasks)

        def submit(task: Task) -> None:
            future = client.submit(stored_scan, task, config_future, limits, pure=False)
            owners[future.key] = task
            pending.add(future)

        for task in source:
            submit(task)
            if len(owners) >= window:
                break
        for future in pending:
            task = owners.pop(future.key)
            if future.status == "error":
                yield failed(task, future.exception(), config.secret).stored()
            else:
                yield future.result()
            future.release()
            following = next(source, None)
            if following is not None:
                submit(following)
    finally:
        if own_client:
            client.close()
