"""CSV extraction and the export scan of CSV files: this tree against another checkout, in the
same run, alternating, best of rounds, in CPU seconds (the machines are shared).

    .venv/bin/python benchmarks/csv_ab.py --base /tmp/base-csv --export DIR [--rounds 3]

``DIR`` is an export made by ``export_throughput.py --keep`` (its ``export`` folder), e.g.
``--mix csv=1 --size-gb 0.02 --ocr off``. Two figures a side: reading every CSV member (the
extraction alone) and the whole export scan (one worker, in process). Each side prints the
findings it made, which must match.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from benchmarks.ab_scan import run_child

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import io, json, sys, tempfile, time, zipfile
from pathlib import Path
from dlp.engine import DetectionConfig
from dlp.export.scan import ExportScan, run_scan
from dlp.extract import Limits, extract_bytes
from dlp.model import Location

export, rounds = Path(sys.argv[1]), int(sys.argv[2])
members = []
for part in sorted(export.glob("*.zip")):
    with zipfile.ZipFile(part) as archive:
        members += [(n, archive.read(n)) for n in archive.namelist() if n.endswith(".csv")]
size = sum(len(data) for _, data in members)

def extract():
    return sum(1 for name, data in members for _ in extract_bytes(data, name, Location((name,))))

def scan(out):
    scan = ExportScan(export=export, out=out, config=DetectionConfig(secret=b"s" * 32),
        workers=1, scheduler=None, internal_domains=frozenset({"cusd.com"}),
        limits=Limits(ocr=False))
    return run_scan(scan).summary

best_extract = best_scan = float("inf")
with tempfile.TemporaryDirectory() as scratch:
    for number in range(rounds):
        started = time.process_time()
        extract()
        best_extract = min(best_extract, time.process_time() - started)
        started = time.process_time()
        summary = scan(Path(scratch) / str(number))
        best_scan = min(best_scan, time.process_time() - started)
print(json.dumps({"csv_mb": size / 1e6, "extract_cpu": best_extract, "scan_cpu": best_scan,
    "export_mb": summary.bytes / 1e6, "findings": summary.findings}))
"""


def run(tree: Path, export: Path, rounds: int) -> dict[str, float]:
    return run_child(tree, _CHILD, str(export), str(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--export", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3, help="rounds inside each process")
    parser.add_argument("--turns", type=int, default=3, help="processes a side, alternating")
    args = parser.parse_args()
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.turns):
        for side, tree in (("base", args.base), ("this", REPO)):
            result = run(tree, args.export, args.rounds)
            kept = best.setdefault(side, result)
            for key in ("extract_cpu", "scan_cpu"):
                kept[key] = min(kept[key], result[key])
            if result["findings"] != kept["findings"]:
                raise SystemExit(f"{side}: findings differ between runs")
    print(f"load average {os.getloadavg()[0]:.1f} (CPU seconds, best of each side)")
    for side in ("base", "this"):
        r = best[side]
        print(
            f"  {side}: extraction {r['extract_cpu']:.2f} s ({r['csv_mb'] / r['extract_cpu']:.1f}"
            f" MB/s of CSV); export scan {r['scan_cpu']:.2f} s"
            f" ({r['export_mb'] / r['scan_cpu']:.2f} MB/s); findings {r['findings']:.0f}"
        )
    base, this = best["base"], best["this"]
    print(
        f"  speed-up: extraction {base['extract_cpu'] / this['extract_cpu']:.2f}x,"
        f" export scan {base['scan_cpu'] / this['scan_cpu']:.2f}x"
    )
    if base["findings"] != this["findings"]:
        raise SystemExit("the two sides found different numbers of findings")


if __name__ == "__main__":
    main()
