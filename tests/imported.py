"""What a fresh interpreter has imported after running some code: for the tests that hold a
command or a scan to the modules it may load (a CLI that starts fast imports little)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def modules_after(code: str) -> set[str]:
    """The names in ``sys.modules`` of a new interpreter (this repository first on its path)
    once ``code`` has run."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))
