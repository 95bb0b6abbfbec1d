"""The first code a local worker process runs, kept free of heavy imports.

Ctrl-C reaches every process of the terminal's process group. Only the parent should act on it
(stop submitting, keep what is done, write nothing half-way), so a worker ignores SIGINT before
it imports the scanner's libraries; its configuration arrives pickled so that unpickling it
does not import them first either.
"""

from __future__ import annotations

import pickle
import signal


def start_worker(config_pickle: bytes) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from dlp.export.worker import warm

    warm(pickle.loads(config_pickle))
