"""The decision's added cost with a 50,000-student roster with guardians, against main.

    .venv/bin/python benchmarks/family_decision.py [--base /work/main] [--rounds 5]

Each round runs one process per tree (this one, and ``--base``), alternately; each builds the
same synthetic roster once (`roster_match.make_roster`: 50,000 students, their guardians with
e-mail addresses, 2,500 staff; kept in a temporary folder per tree, since the two trees may
write different formats), loads it, scans the same messages and times `decide` for the same
recipients: the family's guardian, another family's, an internal address, a vendor. Printed:
per message, the median over rounds of microseconds per decision, here with the roster's
households (what the gateway now does), here without them (main's decision), and on the base
tree; the added cost and the ratio to the base.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECRET = b"benchmark-secret-0123456789"
STUDENTS = 50_000
SENDER = "teacher@cusd.com"


def _messages(people: list[object]) -> dict[str, tuple[bytes, list[str]]]:
    # Minors: a student of 18 or more is their own guardian, and (by the sample policy's
    # default) their parents' messages are decided as anyone's.
    students = [
        p
        for p in people
        if getattr(p, "guardians", ()) and p.birth_date > date(2010, 1, 1)  # type: ignore[attr-defined]
    ]
    one, other = students[10], students[20]
    own = one.guardians[0].emails[0]  # type: ignore[attr-defined]
    elsewhere = other.guardians[0].emails[0]  # type: ignore[attr-defined]
    recipients = [own, elsewhere, "counselor@cusd.com", "sync@gradebook-vendor.example"]

    def body(chosen: list[object]) -> str:
        return "\r\n".join(
            f"{p.name.first} {p.name.last}, student ID {p.local_id}: IEP meeting moved; "  # type: ignore[attr-defined]
            "accommodations: extended time, report card grades attached."
            for p in chosen
        )

    def raw(text: str) -> bytes:
        return f"From: {SENDER}\r\nTo: {own}\r\nSubject: IEP\r\n\r\n{text}\r\n".encode()

    return {
        "1 student": (raw(body([one])), recipients),
        "2 siblings-ish": (raw(body([one, other])), recipients),
        "50 students": (raw(body(students[100:150])), recipients),
    }


def worker(repeats: int) -> None:
    """In the tree $PYTHONPATH names (not necessarily this file's): one measurement, as JSON."""
    tree = Path(os.environ["PYTHONPATH"])
    from benchmarks.roster_match import load_names, make_roster
    from dlp.engine import DetectionConfig, build_scanner
    from dlp.pipeline import scan_message
    from dlp.policy import decide, load_policy
    from dlp.roster.store import RosterStore

    rng = random.Random(19)
    firsts, lasts = load_names(rng)
    people, _ = make_roster(rng, STUDENTS, firsts, lasts)
    folder = Path(os.environ["FAMILY_BENCH_FOLDER"])
    roster = folder / "roster.npz"
    if not roster.exists():
        RosterStore.open(roster, SECRET).import_people(people, "benchmark")
    scanner = build_scanner(DetectionConfig(secret=SECRET, roster_path=roster))
    policy = load_policy(tree / "samples" / "policy.toml")
    families = "households" in inspect.signature(decide).parameters
    households = scanner.roster.families if families and scanner.roster else None
    results: dict[str, dict[str, float]] = {}
    for name, (raw, recipients) in _messages(people).items():
        scan = scan_message(raw, scanner)
        sides: dict[str, dict[str, object]] = {"without": {}}
        if households is not None:
            sides["with"] = {"households": households, "header_from": SENDER}
        timing: dict[str, list[float]] = {side: [] for side in sides}
        for extra in sides.values():  # warm: the household caches, as in a running gateway
            decide(policy, SENDER, recipients, scan, **extra)  # type: ignore[arg-type]
        for _ in range(repeats):
            for side, extra in sides.items():
                if households is not None:
                    households.forget()  # every address looked up anew: the cold cost
                start = time.perf_counter()
                decide(policy, SENDER, recipients, scan, **extra)  # type: ignore[arg-type]
                timing[side].append(time.perf_counter() - start)
        results[name] = {side: statistics.median(times) * 1e6 for side, times in timing.items()}
        results[name]["findings"] = len(scan.findings)
    print(json.dumps(results))


def _run(tree: Path, folder: Path, repeats: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree), "FAMILY_BENCH_FOLDER": str(folder)}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", "--repeats", str(repeats)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the worker in {tree} failed:\n{done.stderr[-3000:]}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("/work/main"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.repeats)
        return
    trees = {"here": REPO, "base": args.base}
    folders = {name: Path(tempfile.mkdtemp(prefix=f"family-bench-{name}-")) for name in trees}
    runs: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in trees}
    for number in range(args.rounds):
        for name, tree in trees.items():  # alternately: the machine's load hits both
            runs[name].append(_run(tree, folders[name], args.repeats))
        print(f"round {number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(
        f"{STUDENTS:,} students with guardians; 4 recipients per message; median of "
        f"{args.rounds} rounds (each the median of {args.repeats} decisions)"
    )
    print(
        f"{'message':<16} {'findings':>8} {'with us':>9} {'without us':>11} "
        f"{'base us':>9} {'added us':>9} {'with/base':>10}"
    )
    for message in runs["here"][0]:

        def median(name: str, side: str, message: str = message) -> float:
            return statistics.median(run[message][side] for run in runs[name])

        with_, without, base = (
            median("here", "with"),
            median("here", "without"),
            median("base", "without"),
        )
        print(
            f"{message:<16} {runs['here'][0][message]['findings']:>8.0f} {with_:>9.0f} "
            f"{without:>11.0f} {base:>9.0f} {with_ - without:>9.0f} {with_ / base:>10.2f}"
        )


if __name__ == "__main__":
    main()
