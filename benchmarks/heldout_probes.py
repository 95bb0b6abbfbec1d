"""The held-out probe messages of ``tests/data/labeled/heldout_probes.jsonl`` (issue 18).

    .venv/bin/python benchmarks/heldout_probes.py [--names]

Written by ``benchmarks/make_heldout_styles.py``: a teacher's messages to a personal address,
decided by ``samples/policy.toml`` as ``dlp check`` decides them (PERSON from the name lists
on). ``record-*`` and ``id-*`` must be held (a named student beside a record term in English or
Spanish, SSNs and student IDs under labels not seen before); ``staff-*`` and ``ham-*`` must be
delivered (colleagues, ordinary mail with names, phones and look-alike numbers). Prints right
of total per kind and language.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.detection_quality import SAMPLE_POLICY, ham_scanner
from benchmarks.proximity_probes import report
from dlp.policy import load_policy

PROBES = Path(__file__).resolve().parents[1] / "tests" / "data" / "labeled" / "heldout_probes.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", action="store_true", help="list the wrongly decided probes")
    args = parser.parse_args()
    scanner, policy = ham_scanner(), load_policy(SAMPLE_POLICY)
    right, count = report(scanner, policy, args.names, PROBES, "held-out probes")
    print(f"total: {right} of {count} right")


if __name__ == "__main__":
    main()
