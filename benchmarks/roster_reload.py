"""What a roster reload costs: the gateway's check of a new store, and each process's swap.

    .venv/bin/python benchmarks/roster_reload.py [--students 50000] [--repeats 5]

A synthetic roster of ``--students`` students with guardians (and 5% staff), imported once.
Measured alternately, each ``--repeats`` times, median reported:

- baseline: what each scanning process did at start before reloads existed, and still does
  (`RosterStore.matcher` then `warm`);
- check: the gateway's `take_snapshot` (read the live file once, copy it to the private
  folder, load it and build the matcher's tables: the work done off the event loop);
- swap: a scanning process's `load_matcher` (the copy's version checked, loaded, warmed),
  during which that one process takes no message.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.roster_match import load_names, make_roster
from dlp.roster.snapshot import take_snapshot
from dlp.roster.store import RosterStore
from smtp_gateway.roster_swap import RosterSwap, load_matcher

SECRET = b"benchmark-secret-0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    firsts, lasts = load_names(rng)
    people, _ = make_roster(rng, args.students, firsts, lasts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.npz"
        store = RosterStore.open(path, SECRET)
        started = time.perf_counter()
        store.import_people(people, "benchmark")
        print(f"import of {len(people)} people: {time.perf_counter() - started:.2f} s")
        print(f"store: {path.stat().st_size / 1e6:.1f} MB")
        private = Path(folder) / "private"
        snapshot = take_snapshot(path, SECRET, private)  # the copy the swaps load
        swap = RosterSwap(snapshot.path, snapshot.version)
        store.matcher().warm()  # numba's cache, once, outside the figures
        times: dict[str, list[float]] = {"baseline": [], "check": [], "swap": []}
        for _ in range(args.repeats):
            started = time.perf_counter()
            store.matcher().warm()
            times["baseline"].append(time.perf_counter() - started)
            started = time.perf_counter()
            take_snapshot(path, SECRET, private)
            times["check"].append(time.perf_counter() - started)
            started = time.perf_counter()
            load_matcher(swap, SECRET)
            times["swap"].append(time.perf_counter() - started)
    base = statistics.median(times["baseline"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:8s} median {median * 1000:8.1f} ms  ({median / base:.2f} x baseline)")


if __name__ == "__main__":
    main()
