"""The scanner of this tree against the scanner of another commit, in the same run.

    .venv/bin/python benchmarks/ab_scan.py [--base HEAD~1] [--mb 8] [--rounds 5]

Absolute figures move by a third on these shared machines, so a change is judged only against
its parent measured alongside it, and by CPU time (``time.process_time``: on a loaded machine,
wall time measures the other processes). The base commit is checked out into a temporary git
worktree; each side runs in its own process (the same interpreter, its own tree first on the
path) over the same generated corpus of school-like mail (``school_corpus``), through
``Scanner.scan`` (the whole per-segment path: folding, detection, findings), alternating, and
the best round of each is kept. Also prints the findings count of each side, which must match
unless the change is meant to find more.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
from benchmarks.school_corpus import generate
from dlp.engine import DetectionConfig, build_scanner
from dlp.model import Segment

mb, rounds = float(sys.argv[1]), int(sys.argv[2])
segments = [Segment(d.text) for d in generate(int(mb * 1e6))]
total = sum(len(s.text) for s in segments)
scanner = build_scanner(DetectionConfig(secret=b"benchmark-secret-0123456789abcdef"))
findings = sum(len(scanner.scan(s)) for s in segments[:200])
# A tree whose text index compiles its Hyperscan database in a thread, once it has read
# enough: wait for it, so that no round is timed on the slower pass or pays the compile.
deadline = time.monotonic() + 30
while not getattr(scanner.indexer, "reads_with_hyperscan", True) and time.monotonic() < deadline:
    scanner.scan(segments[0])
    time.sleep(0.05)
best = float("inf")
for _ in range(rounds):
    start = time.process_time()
    found = 0
    for segment in segments:
        found += len(scanner.scan(segment))
    best = min(best, time.process_time() - start)
print(json.dumps({"mb_s": total / 1e6 / best, "findings": found, "chars": total}))
"""


def run(tree: Path, mb: float, rounds: int) -> dict[str, float]:
    return run_child(tree, _CHILD, str(mb), str(rounds))


def run_child(tree: Path, code: str, *arguments: str) -> dict[str, float]:
    """``code`` run by this interpreter with ``tree`` first on the path; the JSON object its
    last line of output holds."""
    out = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="HEAD")
    parser.add_argument("--mb", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="alternations of the two sides")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        # The benchmark corpus is this tree's, so both sides read the same text.
        subprocess.run(["cp", "-r", str(REPO / "benchmarks"), str(base)], check=True)
        try:
            results: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
            for _ in range(args.repeat):
                results["base"].append(run(base, args.mb, args.rounds))
                results["head"].append(run(REPO, args.mb, args.rounds))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)],
                cwd=REPO,
                check=False,
                capture_output=True,
            )
    best = {side: max(r["mb_s"] for r in runs) for side, runs in results.items()}
    print(f"corpus: {results['head'][0]['chars'] / 1e6:.1f} MB, Scanner.scan, one core, CPU time")
    for side in ("base", "head"):
        rates = ", ".join(f"{r['mb_s']:.1f}" for r in results[side])
        print(
            f"  {side:4s} ({args.base if side == 'base' else 'this tree'}): best "
            f"{best[side]:.1f} MB/s (runs: {rates}); findings {results[side][0]['findings']:.0f}"
        )
    print(f"  head / base: {best['head'] / best['base']:.1%}")


if __name__ == "__main__":
    main()
