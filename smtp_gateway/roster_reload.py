"""The roster the gateway scans with, kept current: reloaded on SIGHUP and when its file changes.

`dlp roster import` and `dlp roster sync` replace the store by renaming a new file over it, so
the gateway looks every ``roster_check_seconds`` whether the file's signature (device, inode,
size, modification time: one `stat`) changed, and on SIGHUP whatever it says. A new file is
copied aside and checked whole (`dlp.roster.snapshot`) off the event loop; only a roster that
loads is handed to the scanning processes (`ScanPool.swap_roster`), each of which replaces
its one reference between two messages. A file that does not load is refused: the gateway
keeps the roster it has, logs why (the file and the reason, never a value) and counts it,
and tries that file again only once it changes or on the next SIGHUP.

It also says how old the roster is: ``dlp_gateway_roster_age_seconds``, and
``dlp_gateway_roster_stale`` with a ``roster-stale`` warning once the import is older than
``roster_max_age_days``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from concurrent.futures import Executor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.roster.snapshot import FileSignature, Snapshot, signature, take_snapshot
from dlp.roster.store import RosterStoreError
from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics
from smtp_gateway.roster_swap import RosterSwap
from smtp_gateway.scanning import ScanPool

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig

DAY_SECONDS = 86_400.0
STALE_REPEAT_SECONDS = DAY_SECONDS  # a stale roster is logged again once a day


class RosterReload:
    """The roster file at ``path``, its checked copy in use, and the loop that watches it."""

    def __init__(
        self,
        path: Path,
        secret: bytes,
        max_age_days: int,
        check_seconds: float,
    ) -> None:
        self.path = path
        self._secret = secret
        self.max_age_days = max_age_days
        self.check_seconds = check_seconds
        self.folder = Path(tempfile.mkdtemp(prefix="dlp-roster-"))
        try:
            # A roster that does not load stops the start, with its reason.
            self.current: Snapshot = take_snapshot(path, secret, self.folder)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.pool: ScanPool | None = None
        self.metrics: Metrics | None = None
        self._executor: Executor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # The signature of the last file refused (None: no file), so it is tried once.
        self._refused: tuple[FileSignature | None] | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[bool]] = set()
        self._stale_logged_at: float | None = None

    def configure(self, detection: DetectionConfig) -> DetectionConfig:
        """``detection`` reading the checked copy in use rather than the live file."""
        return replace(detection, roster_path=self.current.path)

    @property
    def swap(self) -> RosterSwap:
        return RosterSwap(self.current.path, self.current.version)

    def _age(self) -> float:
        return self.current.info.age_seconds(datetime.now(UTC)) or 0.0

    def stale(self) -> bool:
        return self.max_age_days > 0 and self._age() > self.max_age_days * DAY_SECONDS

    def start(self, pool: ScanPool, executor: Executor, metrics: Metrics) -> None:
        """Watch the file from now on (in the running loop); new rosters go to ``pool``."""
        self.pool, self._executor, self.metrics = pool, executor, metrics
        metrics.roster_age_seconds.set_function(self._age)
        metrics.roster_stale.set_function(lambda: float(self.stale()))
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._watch())
        self.check_age()

    def request(self) -> None:
        """Reload soon, whether or not the file looks changed (SIGHUP); from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._request)

    def _request(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload(force=True))
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.reload(force=False)
            except Exception as error:  # the watch goes on; the roster in use stays
                log_event("roster-reload-failed", logging.ERROR, error=type(error).__name__)
            self.check_age()

    async def reload(self, force: bool) -> bool:
        """True when the processes were given a new roster."""
        async with self._lock:
            seen = signature(self.path)
            refused_before = self._refused is not None and seen == self._refused[0]
            if not force and (seen == self.current.signature or refused_before):
                return False
            loop = asyncio.get_running_loop()
            try:
                snapshot = await loop.run_in_executor(
                    self._executor, take_snapshot, self.path, self._secret, self.folder
                )
            except RosterStoreError as error:
                self._refused = (seen,)
                assert self.metrics is not None
                self.metrics.roster_reloads.labels("refused").inc()
                log_event(
                    "roster-reload-refused",
                    logging.ERROR,
                    error=str(error),
                    kept=self.current.version,
                )
                return False
            self._refused = None
            previous = self.current
            if snapshot.version == previous.version:
                self.current = replace(previous, signature=snapshot.signature)
                return False
            self.current = snapshot
            assert self.pool is not None and self.metrics is not None
            await self.pool.swap_roster(self.swap)
            # Processes already hold the old roster in memory or are moving to the new one;
            # a process started from now on reads the new copy.
            previous.path.unlink(missing_ok=True)
            self.metrics.roster_reloads.labels("ok").inc()
            info = snapshot.info
            log_event(
                "roster-reloaded",
                roster_version=snapshot.version,
                previous=previous.version,
                imported_at=info.imported_at.isoformat() if info.imported_at else None,
                source_format=info.source_format,
                people=info.people,
            )
            self._stale_logged_at = None
            self.check_age()
            return True

    def check_age(self) -> None:
        """Log a stale roster: when it becomes stale, then once a day."""
        if not self.stale():
            self._stale_logged_at = None
            return
        now = asyncio.get_running_loop().time()
        if self._stale_logged_at is not None and now - self._stale_logged_at < STALE_REPEAT_SECONDS:
            return
        self._stale_logged_at = now
        info = self.current.info
        log_event(
            "roster-stale",
            logging.WARNING,
            roster_version=self.current.version,
            imported_at=info.imported_at.isoformat() if info.imported_at else None,
            age_days=round(self._age() / DAY_SECONDS, 1),
            max_age_days=self.max_age_days,
            note="re-import or sync the roster: students enrolled since are not recognised",
        )

    def status(self) -> dict[str, object]:
        info = self.current.info
        return {
            "version": self.current.version,
            "imported_at": info.imported_at.isoformat() if info.imported_at else None,
            "source_format": info.source_format,
            "age_seconds": round(self._age()),
            "stale": self.stale(),
        }

    async def stop(self) -> None:
        for task in [self._task, *self._requests]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        shutil.rmtree(self.folder, ignore_errors=True)
