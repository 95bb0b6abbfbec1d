"""Progress: a bar (files, bytes, rate, time left) on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from typing import TextIO

from tqdm import tqdm

PLAIN_EVERY_SECONDS = 10.0


class Progress:
    def __init__(
        self, total_files: int, total_bytes: int, out: TextIO, enabled: bool = True
    ) -> None:
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.out = out
        self.files = 0
        self.bytes = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self.enabled = enabled
        self.bar: tqdm[None] | None = None
        if enabled and out.isatty():
            self.bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1000,
                file=out,
                dynamic_ncols=True,
                smoothing=0.1,
                postfix=self._files_text(),
                desc="scanning",
            )

    def _files_text(self) -> str:
        return f"{self.files}/{self.total_files} files"

    def advance(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.bar is not None:
            self.bar.set_postfix_str(self._files_text(), refresh=False)
            self.bar.update(size)
            return
        now = time.monotonic()
        if self.enabled and (
            now - self._last_line >= PLAIN_EVERY_SECONDS or self.files == self.total_files
        ):
            self._last_line = now
            self.out.write(self.line(now) + "\n")
            self.out.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.bytes / elapsed
        left = (self.total_bytes - self.bytes) / rate if rate > 0 else float("inf")
        eta = _clock(left) if left != float("inf") else "?"
        return (
            f"progress: {self.files}/{self.total_files} files, "
            f"{self.bytes / 1e6:,.1f}/{self.total_bytes / 1e6:,.1f} MB, "
            f"{rate / 1e6:,.1f} MB/s, elapsed {_clock(elapsed)}, left {eta}"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
