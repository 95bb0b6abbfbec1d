"""What one extraction carries down into nested files: limits, depth and the clocks.

Time limits cannot interrupt a call into a C library (pdfium, libxml2, zlib), and threads or
signals to do so would leak or misbehave inside a server. Instead every extractor checks its
clock between units of work (pages, rows, XML events, archive members); one unit that alone
takes longer than the limit is the documented blind spot. Callers that need a hard bound run
extraction in a child process they can kill.

A clock only runs while its own file's extractor runs: not while the caller is busy with a
yielded segment, and not while a nested member (which has its own clock) is being read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from dlp.extract.limits import LimitExceeded, Limits
from dlp.model import Location, Segment, Unscannable, UnscannableReason

if TYPE_CHECKING:
    from dlp.extract.sniff import Kind
    from dlp.extract.source import Source

Item = Segment | Unscannable


class Stopwatch:
    """Time spent inside one file's extractor."""

    __slots__ = ("_since", "limit", "spent")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.spent = 0.0
        self._since: float | None = None

    def start(self, now: float) -> None:
        self._since = now

    def stop(self, now: float) -> None:
        if self._since is not None:
            self.spent += now - self._since
            self._since = None

    def elapsed(self, now: float) -> float:
        return self.spent + (now - self._since if self._since is not None else 0.0)


@dataclass(slots=True)
class Clocks:
    """The stack of running stopwatches: only the innermost one runs."""

    stack: list[Stopwatch] = field(default_factory=list)

    def push(self, watch: Stopwatch) -> None:
        now = time.perf_counter()
        if self.stack:
            self.stack[-1].stop(now)
        self.stack.append(watch)
        watch.start(now)

    def pop(self) -> None:
        now = time.perf_counter()
        self.stack.pop().stop(now)
        if self.stack:
            self.stack[-1].start(now)

    def check(self) -> None:
        """Raise TIMEOUT when the running extractor has used up its time."""
        if self.stack:
            watch = self.stack[-1]
            if watch.elapsed(time.perf_counter()) > watch.limit:
                raise LimitExceeded(
                    UnscannableReason.TIMEOUT,
                    f"reading took longer than the {watch.limit:g} s allowed per file",
                )


@dataclass(slots=True)
class OcrBudget:
    """What OCR has used so far in one top-level item (also what reports show)."""

    pages: int = 0
    seconds: float = 0.0
    longest: float = 0.0  # the slowest page so far: what the next one may take
    seen: set[bytes] = field(default_factory=set)

    def refusal(self, limits: Limits) -> str | None:
        """Why the next page may not be read, if it may not: a page is started only when the
        slowest page so far would still fit in the seconds left."""
        if self.pages >= limits.ocr_max_pages:
            return f"more than {limits.ocr_max_pages} images or scanned pages to read by OCR"
        if self.seconds + self.longest > limits.ocr_max_seconds:
            return f"OCR would pass its {limits.ocr_max_seconds:g} s budget"
        return None

    def spent(self, seconds: float) -> None:
        self.pages += 1
        self.seconds += seconds
        self.longest = max(self.longest, seconds)


class Dispatcher(Protocol):
    def __call__(
        self, source: Source, location: Location, ctx: Context, kind: Kind | None = None
    ) -> Iterator[Item]: ...


@dataclass(frozen=True, slots=True)
class Context:
    """Passed explicitly to every extractor; ``nested`` makes the context for a member."""

    limits: Limits
    dispatch: Dispatcher
    clocks: Clocks
    depth: int = 0
    # What OCR has used in the whole top-level item: shared by every nested member.
    ocr: OcrBudget = field(default_factory=OcrBudget)

    def nested(self) -> Context:
        return Context(self.limits, self.dispatch, self.clocks, self.depth + 1, self.ocr)

    def check_time(self) -> None:
        self.clocks.check()

    def next_member(self) -> None:
        """A container starts on its next member: its clock starts again (`lap`), and the whole
        scan's time is checked."""
        self.lap()
        self.check_time()

    def lap(self) -> None:
        """A container starts on its next member: its time limit counts from here again."""
        if self.clocks.stack:
            watch = self.clocks.stack[-1]
            watch.spent = 0.0
            watch.start(time.perf_counter())


def timed(
    items: Iterator[Item], clocks: Clocks, limit: float, location: Location
) -> Iterator[Item]:
    """Run one file's extractor under its own stopwatch, turning a timeout into a report."""
    watch = Stopwatch(limit)
    while True:
        clocks.push(watch)
        try:
            item = next(items)
        except StopIteration:
            return
        except LimitExceeded as stop:
            if stop.reason is not UnscannableReason.TIMEOUT:
                raise
            yield Unscannable(location, stop.reason, stop.detail)
            return
        finally:
            clocks.pop()
        yield item
