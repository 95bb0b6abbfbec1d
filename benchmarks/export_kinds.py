"""Worker CPU time per kind of file of an export: this tree against another commit, same run.

    .venv/bin/python benchmarks/export_kinds.py [--base 903b2d5] [--size-gb 0.2] [--repeat 2]

Builds one export with ``export_throughput``'s generator (its default mix and seed, into a
temporary folder) and scans it without OCR, in one process per side (the same interpreter, its
own tree first on the path; the base commit checked out into a temporary git worktree),
alternating the two sides ``--repeat`` times. Each file's scan (``scan_task``, the whole worker
function: reading, extraction, detection, result) is timed in CPU time (``time.process_time``)
and each file keeps its best time over the runs of its side; the files' times are added up by
kind (by extension). Also the worker's start: the CPU time of the child's interpreter, its
imports and ``warm`` (what a worker process pays before its first file).

Prints per kind: files, MB, CPU seconds, MB per CPU second of each side and head / base; and
whether the two sides' reports are identical: ``report.jsonl`` (without run times and paths)
and ``findings.csv``. A base whose detection differs (another commit's recognizers) reports
different findings; the check that a change of this tree kept findings is against ``--base``
of its parent.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ab_scan import run_child
from benchmarks.dense_findings import worktree
from benchmarks.export_throughput import MIX, SEED, ExportBuilder

REPO = Path(__file__).resolve().parents[1]
MB = 1_000_000

_CHILD = r"""
import json, sys, time
from pathlib import Path
from dlp.engine import DetectionConfig
from dlp.export import runner, worker
from dlp.export.scan import ExportScan, run_scan
from dlp.extract.limits import Limits

export, out = Path(sys.argv[1]), Path(sys.argv[2])
config = DetectionConfig(secret=b"benchmark-secret-0123456789abcdef")
worker.warm(config)
start = time.process_time()  # this interpreter's start, imports and warm
seconds = {}
scan_task = runner.scan_task

def timed(task, config, limits):
    began = time.process_time()
    result = scan_task(task, config, limits)
    seconds[task.file.key] = time.process_time() - began
    return result

runner.scan_task = timed
run_scan(
    ExportScan(
        export=export,
        out=out,
        config=config,
        workers=1,
        internal_domains=frozenset({"cusd.com"}),
        limits=Limits(ocr=False),
        progress=False,
    )
)
print(json.dumps({"start": start, "seconds": seconds}))
"""

# Fields of a report line that differ between two runs of the same scan.
_RUN_FIELDS = frozenset(
    {"seconds_read", "seconds_extract", "seconds_detect", "seconds_ocr", "seconds", "export"}
)


def kind_of(key: str) -> str:
    extension = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    return "media" if extension in {"jpg", "png", "mp4", "mp3"} else extension or "other"


def report_lines(out: Path) -> list[str]:
    """report.jsonl with what differs between runs taken out, and findings.csv."""
    lines = []
    with open(out / "report.jsonl", encoding="utf-8") as report:
        for line in report:
            record = json.loads(line)
            for name in _RUN_FIELDS & record.keys():
                del record[name]
            lines.append(json.dumps(record, sort_keys=True))
    findings = (out / "findings.csv").read_text(encoding="utf-8").splitlines()
    return sorted(lines) + findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="903b2d5")
    parser.add_argument("--size-gb", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=2, help="alternations of the two sides")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="export-kinds-") as scratch,
        worktree(args.base) as base_tree,
    ):
        folder = Path(scratch)
        builder = ExportBuilder(folder / "export", int(args.size_gb * 1e9), args.seed, MIX)
        export = builder.build()
        sides = {"base": base_tree, "head": REPO}
        best: dict[str, dict[str, float]] = {"base": {}, "head": {}}
        starts: dict[str, float] = {}
        reports: dict[str, list[str]] = {}
        for round_ in range(args.repeat):
            for side, tree in sides.items():
                out = folder / f"{side}-{round_}"
                result = run_child(tree, _CHILD, str(export), str(out))
                starts[side] = min(starts.get(side, float("inf")), float(result["start"]))
                times: dict[str, float] = result["seconds"]  # type: ignore[assignment]
                for key, cpu in times.items():
                    best[side][key] = min(best[side].get(key, float("inf")), cpu)
                reports.setdefault(side, report_lines(out))
        by_key = _sizes_by_key(export)
        print(
            f"export: {sum(builder.composition.values()) / 1e9:.2f} GB (seed {args.seed}), "
            f"scanned without OCR, one process per side, worker CPU time, best of "
            f"{args.repeat} per file"
        )
        print(f"base {args.base} vs this tree")
        print(
            f"  {'kind':6} {'files':>5} {'MB':>7}   {'base s':>7} {'MB/s':>6}   "
            f"{'head s':>7} {'MB/s':>6}   head/base"
        )
        totals = {"base": 0.0, "head": 0.0}
        kinds: dict[str, list[str]] = {}
        for key in by_key:
            kinds.setdefault(kind_of(key), []).append(key)
        all_mb = 0.0
        for kind, keys in sorted(kinds.items()):
            mb = sum(by_key[k] for k in keys) / MB
            cpu = {side: sum(best[side].get(k, 0.0) for k in keys) for side in sides}
            for side in sides:
                totals[side] += cpu[side]
            all_mb += mb
            print(_row(kind, len(keys), mb, cpu["base"], cpu["head"]))
        print(_row("total", len(by_key), all_mb, totals["base"], totals["head"]))
        print(
            f"  worker start (interpreter, imports, warm): base {starts['base']:.2f} s, "
            f"head {starts['head']:.2f} s CPU"
        )
        same = reports["base"] == reports["head"]
        print(
            f"  reports (report.jsonl without run times, findings.csv): "
            f"{'identical' if same else 'DIFFERENT'} "
            f"({sum(1 for line in reports['head'] if not line.startswith('{'))} findings.csv lines)"
        )
        if not same:
            _show_difference(reports["base"], reports["head"])


def _row(kind: str, files: int, mb: float, base: float, head: float) -> str:
    rate_base = mb / base if base > 0 else 0.0
    rate_head = mb / head if head > 0 else 0.0
    ratio = f"{rate_head / rate_base:6.2f}x" if rate_base > 0 and rate_head > 0 else "     -"
    return (
        f"  {kind:6} {files:5} {mb:7.1f}   {base:7.2f} {rate_base:6.1f}   "
        f"{head:7.2f} {rate_head:6.1f}   {ratio}"
    )


def _sizes_by_key(export: Path) -> dict[str, int]:
    import zipfile

    sizes: dict[str, int] = {}
    for part in sorted(export.glob("*.zip")):
        with zipfile.ZipFile(part) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    sizes[f"{part.name}/{info.filename}"] = info.file_size
    return sizes


def _show_difference(base: list[str], head: list[str]) -> None:
    only_base = sorted(set(base) - set(head))
    only_head = sorted(set(head) - set(base))
    print(f"  {len(only_base)} lines only in base, {len(only_head)} only in head; first of each:")
    for line in only_base[:3]:
        print(f"    base: {line[:400]}")
    for line in only_head[:3]:
        print(f"    head: {line[:400]}")


if __name__ == "__main__":
    main()
