"""Running the upkeep jobs that are due, each at most once per period across every runner
sharing the database.

For each job: take its lock (`Locks.hold`: PostgreSQL's advisory lock, or a lock row on
SQLite; a runner that cannot have it skips the job this round), then, holding it, ask the
database when the job last ran (`Locks.last`); run it only when its period has passed since,
and record the run. The lock keeps two runners from running one job at once; the recorded
time keeps a second runner, a minute later, from running it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("dlp.upkeep")

Summary = Mapping[str, object]


class Locks(Protocol):
    def hold(self, name: str) -> AbstractContextManager[bool]:
        """True inside when this runner holds the job's lock."""
        ...

    def last(self, name: str) -> float | None: ...

    def record(self, name: str, when: float, result: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every: float  # seconds
    run: Callable[[], Summary]


@dataclass(frozen=True, slots=True)
class Ran:
    job: str
    result: str  # "ok", "failed", "busy" (another runner holds it), "not-due"
    seconds: float = 0.0
    summary: Summary = field(default_factory=dict)


def event(name: str, level: int, **fields: object) -> None:
    log.log(level, name, extra={"fields": {"event": name, **fields}})


class Scheduler:
    def __init__(
        self, jobs: list[Job], locks: Locks, clock: Callable[[], float] = time.time
    ) -> None:
        self.jobs = jobs
        self.locks = locks
        self.clock = clock

    def names(self) -> list[str]:
        return [job.name for job in self.jobs]

    def run_due(self) -> list[Ran]:
        """Every job whose period has passed (by the database's record)."""
        return [self._one(job, force=False) for job in self.jobs]

    def run(self, names: list[str] | None = None) -> list[Ran]:
        """The named jobs (all when None) now, whatever their period: by hand."""
        chosen = [job for job in self.jobs if names is None or job.name in names]
        return [self._one(job, force=True) for job in chosen]

    def _one(self, job: Job, force: bool) -> Ran:
        with self.locks.hold(job.name) as held:
            if not held:
                return Ran(job.name, "busy")
            now = self.clock()
            last = self.locks.last(job.name)
            if not force and last is not None and now - last < job.every:
                return Ran(job.name, "not-due")
            started = time.monotonic()
            try:
                summary = job.run()
            except Exception as error:
                seconds = time.monotonic() - started
                self.locks.record(job.name, now, "failed")
                event(
                    "upkeep-failed",
                    logging.ERROR,
                    job=job.name,
                    error=type(error).__name__,
                    detail=str(error)[:200],
                    seconds=round(seconds, 3),
                )
                return Ran(job.name, "failed", seconds)
            seconds = time.monotonic() - started
            self.locks.record(job.name, now, "ok")
            event(
                "upkeep-run", logging.INFO, job=job.name, seconds=round(seconds, 3), **dict(summary)
            )
            return Ran(job.name, "ok", seconds, summary)
