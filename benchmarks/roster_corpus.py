"""The roster's cost on real mail and documents: the shared corpus, with and without a roster.

    .venv/bin/python benchmarks/roster_corpus.py [--corpus ../shared/corpus] [--students 50000]

`scan_throughput.py` measures the roster on generated school mail; this reads the third-party
files of ``../shared/corpus`` (mail/ and docs/: real messages, Office files, PDFs, sheets) the
way the pipeline does (extracted, then packed), and scans them with the scanner without a
roster and with a synthetic roster of ``--students`` students, alternately, keeping each
slice's best time on each side (see `scan_throughput.measure_with_roster` for why), in one run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.roster_match import load_names, make_roster
from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.extract import extract_path
from dlp.model import Segment
from dlp.packing import pack
from dlp.roster.store import RosterStore

SECRET = b"benchmark-secret-0123456789"


def segments_of(corpus: Path) -> list[Segment]:
    """What the pipeline scans: every file extracted, then packed (`dlp.pipeline.collect`)."""
    found: list[Segment] = []
    for folder in ("mail", "docs"):
        found += [item for item in pack(extract_path(corpus / folder)) if isinstance(item, Segment)]
    return found


def best_times(
    scanners: dict[str, Scanner], segments: list[Segment], rounds: int, slices: int
) -> dict[str, float]:
    size = -(-len(segments) // slices)
    pieces = [segments[i : i + size] for i in range(0, len(segments), size)]
    best = {name: [float("inf")] * len(pieces) for name in scanners}
    for _ in range(rounds):
        for number, piece in enumerate(pieces):
            for name, scanner in scanners.items():
                start = time.perf_counter()
                for segment in piece:
                    scanner.scan(segment)
                best[name][number] = min(best[name][number], time.perf_counter() - start)
    return {name: sum(times) for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (args.corpus / "mail").is_dir():
        sys.exit(f"no corpus at {args.corpus} (give its folder with --corpus)")

    segments = segments_of(args.corpus)
    total = sum(len(s.text.encode("utf-8", "surrogatepass")) for s in segments)
    print(f"corpus: {len(segments)} packed segments, {total / 1e6:.1f} MB of text")
    rng = random.Random(7)
    firsts, lasts = load_names(rng)
    people, _ = make_roster(rng, args.students, firsts, lasts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.npz"
        RosterStore.open(path, SECRET).import_people(people, "benchmark")
        scanners = {
            "without": build_scanner(DetectionConfig(secret=SECRET)),
            "with": build_scanner(DetectionConfig(secret=SECRET, roster_path=path)),
        }
        for scanner in scanners.values():
            for segment in segments[:50]:
                scanner.scan(segment)
        seconds = best_times(scanners, segments, args.rounds, slices=20)
    rate = {name: total / 1e6 / value for name, value in seconds.items()}
    print(
        f"without roster: {rate['without']:7.2f} MB/s\n"
        f"with roster:    {rate['with']:7.2f} MB/s  ({len(people)} people; best of "
        f"{args.rounds} per slice, alternating): {rate['with'] / rate['without']:.0%} of the "
        "speed without"
    )


if __name__ == "__main__":
    main()
