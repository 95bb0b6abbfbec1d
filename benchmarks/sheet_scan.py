"""Scanning a gradebook as legacy .xls and as ODS: packed readers against the per-cell ones.

    .venv/bin/python benchmarks/sheet_scan.py [--rows 3000]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000, help="students per sheet (3 sheets)")
    args = parser.parse_args()
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
            lambda data=data, name=name, where=where: extract_bytes(data, name, where, Limits()),
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
