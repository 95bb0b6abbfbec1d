"""Scanning a gradebook as legacy .xls and as ODS: packed readers against the per-cell ones.

    .venv/bin/python benchmarks/sheet_scan.py [--rows 3000]
    .venv/bin/python benchmarks/sheet_scan.py --xlsx-base /tmp/base-main [--rounds 3]

With ``--xlsx-base TREE``: xlsx against another checkout instead, in the same run. Three
cases: the gateway's 1 MB openpyxl data export (``gateway_load``: 110,000 cells, early blocks
off as in the gateway), the same cells as Excel writes them (its texts in the shared-strings
part), and twenty of the export benchmark's grade sheets (``export_throughput``, early blocks
on). Each tree reads and scans them in its own process, alternately, best of
five per process and of ``--rounds`` processes; CPU milliseconds of extraction (with
``pack``) and of detection, and a digest of the findings (offsets and all), which must match.

The same generated gradebook (three sheets of ``--rows`` students: IDs, names, birth dates,
grades, parents' phones, notes) is written as .xls (xlwt) and .ods (content.xml by hand),
then scanned the way the pipeline does (`dlp.pipeline.collect`: extracted, packed, scanned)
from the packed readers and from the per-cell readers they replaced (kept verbatim in
``tests/extract/percell.py``), best of three, in one run; the findings must be the same.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.extract import Limits, extract_bytes
from dlp.model import Location, ScanResult, Segment, Unscannable
from dlp.pipeline import collect
from tests.extract import percell

HEADER = ["Student ID", "First", "Last", "DOB", "Grade", "Parent phone", "Notes"]
ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def gradebook(rng: random.Random, rows: int) -> dict[str, list[list[str]]]:
    sheets = {}
    for period in range(1, 4):
        table = [HEADER]
        for _ in range(rows):
            table.append(
                [
                    str(rng.randint(10**9, 10**10 - 1)),
                    rng.choice(["Maria", "James", "Aiden", "Sofia"]),
                    rng.choice(["Garcia", "Smith", "Lopez"]),
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2008, 2016)}",
                    rng.choice(["A", "B+", "C", "F"]),
                    f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                    rng.choice(["ok", "IEP accommodations", "504 plan", "missing work"]),
                ]
            )
        sheets[f"Period {period}"] = table
    return sheets


def as_xls(sheets: dict[str, list[list[str]]]) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write(number, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_content(sheets: dict[str, list[list[str]]]) -> bytes:
    tables = []
    for name, rows in sheets.items():
        body = "".join(
            "<table:table-row>"
            + "".join(
                f"<table:table-cell><text:p>{escape(cell)}</text:p></table:table-cell>"
                for cell in row
            )
            + "</table:table-row>"
            for row in rows
        )
        tables.append(f"<table:table table:name='{name}'>{body}</table:table>")
    return (
        f"<office:document-content {ODS_NS}><office:body><office:spreadsheet>"
        f"{''.join(tables)}</office:spreadsheet></office:body></office:document-content>"
    ).encode()


def as_ods(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return out.getvalue()


def _ods_per_cell(data: bytes) -> Iterable[Segment | Unscannable]:
    """The per-cell reader from the file, as the packed one reads it (unzipping included)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    return percell.ods_cells(io.BytesIO(content), Location(path=("gradebook.ods",)))


def best_of(
    items: Callable[[], Iterable[Segment | Unscannable]], scanner: Scanner, repeats: int = 3
) -> tuple[float, ScanResult]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = collect(items(), scanner)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


_XLSX_CHILD = r"""
import hashlib, json, pickle, sys, time
from dlp.engine import DetectionConfig, build_scanner
from dlp.extract import Limits, extract_bytes
from dlp.model import Location, Segment
from dlp.packing import pack

cases = pickle.load(open(sys.argv[1], "rb"))
scanner = build_scanner(DetectionConfig(secret=b"benchmark-secret-0123456789"))
out = {}
for name, (blobs, early) in cases.items():
    limits = Limits(early_blocks=early)
    def read():
        where = Location(path=("book.xlsx",))
        return [list(pack(extract_bytes(d, "book.xlsx", where, limits))) for d in blobs]
    def scan(books):
        return [f for b in books for s in b if isinstance(s, Segment) for f in scanner.scan(s)]
    found = scan(read())
    extract = detect = float("inf")
    for _ in range(5):
        start = time.process_time()
        books = read()
        middle = time.process_time()
        scan(books)
        end = time.process_time()
        extract, detect = min(extract, middle - start), min(detect, end - middle)
    digest = hashlib.sha256(repr(found).encode()).hexdigest()[:12]
    out[name] = [extract * 1e3, detect * 1e3, len(found), digest]
print(json.dumps(out))
"""


def with_shared_strings(data: bytes) -> bytes:
    """The workbook with its inline strings moved to the shared-strings part, as Excel has
    them."""
    import re

    strings: dict[str, int] = {}

    def shared(match: re.Match[str]) -> str:
        return f't="s"><v>{strings.setdefault(match.group(1), len(strings))}</v>'

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                inline = r't="inlineStr"><is><t>([^<]*)</t></is>'
                part = re.sub(inline, shared, part.decode()).encode()
            target.writestr(info.filename, part, zipfile.ZIP_DEFLATED)
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
            f'schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>',
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


def xlsx_ab(base: Path, rounds: int) -> None:
    import json
    import os
    import pickle
    import subprocess
    import tempfile

    from benchmarks.export_throughput import roster_rows, xlsx
    from benchmarks.gateway_load import _xlsx

    rng = random.Random(5)
    grades = []
    for _ in range(20):
        planted = rng.random() < 0.5
        periods = range(1, rng.randint(2, 6))
        grades.append(
            xlsx({f"Period {p}": roster_rows(rng, rng.randint(25, 400), planted) for p in periods})
        )
    export = _xlsx(1_000_000, random.Random(7))
    cases = {
        "gateway-1mb": ([export], False),
        "excel-style-1mb": ([with_shared_strings(export)], False),
        "export-grades": (grades, True),
    }
    here = Path(__file__).resolve().parents[1]
    with tempfile.NamedTemporaryFile(suffix=".pickle") as held:
        pickle.dump(cases, held)
        held.flush()
        runs: dict[str, list[dict[str, list[float]]]] = {"base": [], "head": []}
        for _ in range(rounds):
            for side, tree in (("base", base), ("head", here)):
                done = subprocess.run(
                    [sys.executable, "-c", _XLSX_CHILD, held.name],
                    env={**os.environ, "PYTHONPATH": str(tree)},
                    cwd=tree,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[side].append(json.loads(done.stdout.splitlines()[-1]))
    print(f"load average {os.getloadavg()[0]:.1f}; CPU ms, best of {rounds} x 5")
    for name in cases:
        b = [min(run[name][i] for run in runs["base"]) for i in (0, 1)]
        h = [min(run[name][i] for run in runs["head"]) for i in (0, 1)]
        same = runs["base"][0][name][2:] == runs["head"][0][name][2:]
        print(
            f"{name}: extraction {b[0]:.1f} -> {h[0]:.1f} ({b[0] / h[0]:.2f} x), detection "
            f"{b[1]:.1f} -> {h[1]:.1f}, both {sum(b) / sum(h):.2f} x; "
            f"{runs['head'][0][name][2]} findings, same findings: {same}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000, help="students per sheet (3 sheets)")
    parser.add_argument("--xlsx-base", type=Path, help="xlsx A/B against this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.xlsx_base:
        xlsx_ab(args.xlsx_base, args.rounds)
        return
    sheets = gradebook(random.Random(7203), args.rows)
    scanner = build_scanner(DetectionConfig(secret=b"benchmark-secret-0123456789"))
    xls, ods = as_xls(sheets), as_ods(ods_content(sheets))
    cases = {
        "xls": (
            xls,
            lambda: percell.xls_cells(xls, Location(path=("gradebook.xls",))),
        ),
        "ods": (ods, lambda: _ods_per_cell(ods)),
    }
    print(f"gradebook: 3 sheets of {args.rows} students, 7 columns")
    for kind, (data, per_cell) in cases.items():
        name = f"gradebook.{kind}"
        where = Location(path=(name,))
        packed_seconds, packed = best_of(
            partial(extract_bytes, data, name, where, Limits()),
            scanner,
        )
        cell_seconds, cells = best_of(per_cell, scanner)
        same = sorted(map(repr, packed.findings)) == sorted(map(repr, cells.findings))
        assert same, f"{kind}: the packed and per-cell readers found different things"
        print(
            f"{kind}: {len(data) / 1e6:.2f} MB, {len(packed.findings)} findings; packed "
            f"{packed_seconds * 1e3:.0f} ms, per cell {cell_seconds * 1e3:.0f} ms "
            f"({cell_seconds / packed_seconds:.2f} x); same findings: {same}"
        )


if __name__ == "__main__":
    main()
