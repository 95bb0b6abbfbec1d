"""The real `dlp web` in its own process on 127.0.0.1, for tests that need the whole server
(uvicorn and its handling of forwarded headers included)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def dlp_web(config: Path, *action: str) -> Iterator[str]:
    """``dlp web [ACTION] --config CONFIG`` serving; yields its base URL once the login page
    answers, and stops it afterwards."""
    port = free_port()
    listen = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "dlp", "web", *action, "--config", str(config), "--listen", listen],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "dlp web did not start serving"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(20)
        if server.stderr:
            server.stderr.close()
