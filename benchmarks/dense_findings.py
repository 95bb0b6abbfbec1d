"""The marginal cost of one finding, through to the JSON lines of `dlp scan --format jsonl`.

    .venv/bin/python benchmarks/dense_findings.py [--mb 21] [--base REV] [--repeat 3]

School data is dense with findings (gradebooks, rosters, HR sheets). This writes a text file
of school-like mail with a planted value every ~170 characters (``school_corpus`` at a high
PII rate), and the same file with every planted value replaced by as many "x" (filler: the
same text, the same context words and names, nothing to find where the values were). It runs
`python -m dlp scan --format jsonl` on each (output to a file; one process, one core) and
prints

    marginal cost per finding = (time on dense - time on filler) / (findings on dense - on filler)

(time: the scan process's CPU time, user and system),

with the peak resident memory of each run (``ru_maxrss``). With ``--base REV`` the same runs
are made with that commit's code (a temporary git worktree) in the same run, alternating with
this tree's; each side's best of ``--repeat`` is kept. ``scan_throughput.py --dense-mb`` calls
this too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.school_corpus import generate

REPO = Path(__file__).resolve().parents[1]
DENSE_RATE = 0.35  # planted sentences among background ones: a value every ~170 characters
SECRET = "benchmark-secret-0123456789abcdef"


def write_corpora(folder: Path, mb: float) -> tuple[Path, Path, int]:
    """The dense file, its filler twin, and how many values were planted."""
    dense, filler, planted = [], [], 0
    for document in generate(int(mb * 1e6), seed=2121, pii_rate=DENSE_RATE):
        text, cursor, pieces = document.text, 0, []
        for label in sorted(document.labels, key=lambda label: label.start):
            pieces += [text[cursor : label.start], "x" * (label.end - label.start)]
            cursor = label.end
        pieces.append(text[cursor:])
        dense.append(text)
        filler.append("".join(pieces))
        planted += len(document.labels)
    paths = folder / "dense.txt", folder / "filler.txt"
    for path, texts in zip(paths, (dense, filler), strict=True):
        path.write_text("\n".join(texts), encoding="utf-8")
    return paths[0], paths[1], planted


def run_scan(tree: Path, path: Path) -> tuple[float, int, int]:
    """(CPU seconds, findings, peak resident KiB) of `dlp scan --format jsonl PATH` with the
    code of ``tree``, its output written to a file beside ``path``. CPU time, not wall time:
    on a machine shared with other work, wall time measures the neighbours."""
    environment = {**os.environ, "PYTHONPATH": str(tree), "DLP_SECRET": SECRET}
    command = [sys.executable, "-m", "dlp", "scan", "--format", "jsonl", str(path)]
    output, peak = path.with_suffix(".jsonl"), path.with_suffix(".rss")
    # A process forked from this one (large: the corpus, a roster) starts its peak at this
    # one's size; /usr/bin/time, small, forks the scan and reports the scan's own peak.
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(peak)] if Path("/usr/bin/time").exists() else []
    with output.open("wb") as sink:
        process = subprocess.Popen([*timer, *command], cwd=tree, env=environment, stdout=sink)
        # (the usage of /usr/bin/time includes that of the scan it waited for)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = usage.ru_utime + usage.ru_stime
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"dlp scan failed in {tree}")
    with output.open("rb") as lines:
        findings = sum(1 for line in lines if line.startswith(b'{"kind": "finding"'))
    kib = int(peak.read_text().split()[-1]) if timer else usage.ru_maxrss
    return seconds, findings, kib


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), revision],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)],
                cwd=REPO,
                check=False,
                capture_output=True,
            )


def measure(mb: float, base: str | None, repeat: int) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        worktree(base) if base else _no_tree() as base_tree,
    ):
        dense, filler, planted = write_corpora(Path(folder), mb)
        print(
            f"dense corpus: {dense.stat().st_size / 1e6:.1f} MB, {planted} planted values "
            f"(one every {dense.stat().st_size / planted:.0f} bytes); filler: the same with "
            "each planted value replaced by x's"
        )
        sides = {"this tree": REPO, **({f"base {base}": base_tree} if base_tree else {})}
        best: dict[tuple[str, str], tuple[float, int, int]] = {}
        for _ in range(repeat):
            for name, tree in sides.items():
                for kind, path in (("dense", dense), ("filler", filler)):
                    result = run_scan(tree, path)
                    if (name, kind) not in best or result[0] < best[name, kind][0]:
                        best[name, kind] = result
        marginal = {}
        for name in sides:
            (dense_s, dense_n, dense_kib), (filler_s, filler_n, filler_kib) = (
                best[name, "dense"],
                best[name, "filler"],
            )
            marginal[name] = (dense_s - filler_s) / max(1, dense_n - filler_n)
            print(
                f"  {name:16s} dense {dense_s:6.2f} s CPU ({dense_n} findings), filler "
                f"{filler_s:6.2f} s ({filler_n}): {marginal[name] * 1e6:5.1f} us per finding; "
                f"peak RSS {dense_kib / 1024:.0f} / {filler_kib / 1024:.0f} MiB"
            )
        if len(marginal) == 2:
            ours, theirs = marginal["this tree"], marginal[f"base {base}"]
            print(f"  per finding: {ours / theirs:.0%} of the base's cost ({theirs / ours:.1f} x)")


@contextmanager
def _no_tree() -> Iterator[Path | None]:
    yield None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=21.0)
    parser.add_argument("--base", default=None, help="a commit to measure alongside")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measure(args.mb, args.base, args.repeat)


if __name__ == "__main__":
    main()
