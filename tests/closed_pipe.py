"""Running `dlp` as a real process whose standard output nobody reads any more (`| head -1`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_into_closed_pipe(
    *argv: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m dlp ARGV` with standard output a pipe whose reading end is already closed.

    Closed before the process starts, so that its first write fails whatever the size of its
    output: `| head -1` closes it after a line, which a short output can beat into the pipe's
    buffer, and a test must not depend on who wins that race.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "dlp", *argv],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
