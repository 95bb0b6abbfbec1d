"""Time of one policy decision against the time of the scan it decides on, in the same run.

    .venv/bin/python benchmarks/decision_latency.py [--repeats 200]

For messages naming 1, 50 and 500 students (a student ID and IEP terms each), it scans the
message once per repeat and decides it for three recipients (internal, a parent's personal
address, an authorized vendor) with the sample policy, and prints microseconds per scan and per
decision and the decision's share of the two. (This replaced a timed unit test: speed is for
benchmarks, not for assertions on a shared machine.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlp.engine import DetectionConfig, build_scanner
from dlp.pipeline import scan_message
from dlp.policy import decide, load_policy

REPO = Path(__file__).resolve().parents[1]
RECIPIENTS = ["counselor@cusd.com", "parent@gmail.com", "sync@gradebook-vendor.example"]


def message(students: int) -> bytes:
    lines = [
        f"Student ID: {80000000 + n}, IEP meeting moved; accommodations: extended time."
        for n in range(students)
    ]
    body = "\r\n".join(lines)
    return (
        f"From: teacher@cusd.com\r\nTo: parent@gmail.com\r\nSubject: IEP updates\r\n\r\n{body}\r\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    policy = load_policy(REPO / "samples" / "policy.toml")
    scanner = build_scanner(DetectionConfig(secret=b"benchmark-secret-0123456789"))
    print(f"{'students':>8}  {'findings':>8}  {'scan us':>9}  {'decide us':>9}  decision share")
    for students in (1, 50, 500):
        raw = message(students)
        result = scan_message(raw, scanner)
        decide(policy, "teacher@cusd.com", RECIPIENTS, result)
        repeats = max(5, args.repeats // max(1, students // 10))
        started = time.perf_counter()
        for _ in range(repeats):
            scan_message(raw, scanner)
        scan_seconds = (time.perf_counter() - started) / repeats
        started = time.perf_counter()
        for _ in range(repeats):
            decide(policy, "teacher@cusd.com", RECIPIENTS, result)
        decide_seconds = (time.perf_counter() - started) / repeats
        share = decide_seconds / (scan_seconds + decide_seconds)
        print(
            f"{students:>8}  {len(result.findings):>8}  {scan_seconds * 1e6:>9.0f}  "
            f"{decide_seconds * 1e6:>9.0f}  {share:.0%}"
        )


if __name__ == "__main__":
    main()
