"""`dlp.jit`: a kernel's first real compilation is announced on standard error, a cached one not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

KERNEL_MODULE = """
from dlp.jit import LazyKernel


def total(values):
    result = 0
    for value in values:
        result += value
    return result


compiled = LazyKernel(total, name="summing")
"""

CALL = "import numpy, summing\nprint(summing.compiled()(numpy.arange(5)))\n"


def _run(folder: Path, *, cache: Path) -> subprocess.CompletedProcess[str]:
    """A fresh process, as `dlp scan` is, with its warnings not set up (Python's own default)."""
    return subprocess.run(
        [sys.executable, "-c", CALL],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": f"{folder}{os.pathsep}{REPO}",
            "NUMBA_CACHE_DIR": str(cache),
        },
        timeout=300,
        check=False,
    )


def test_compilation_is_announced_when_it_happens_and_not_when_cached(tmp_path: Path) -> None:
    (tmp_path / "summing.py").write_text(KERNEL_MODULE)
    first = _run(tmp_path, cache=tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "10\n"
    assert first.stderr == "dlp: compiling the summing kernel (first run only)...\n"
    # The second process loads the first one's cache: nothing is compiled, nothing is said.
    second = _run(tmp_path, cache=tmp_path / "cache")
    assert second.returncode == 0, second.stderr
    assert (second.stdout, second.stderr) == ("10\n", "")
