"""Extraction throughput per format and per candidate library, on the same generated files.

    .venv/bin/python benchmarks/extract_throughput.py [--scale 1.0]

Files are generated reproducibly (fixed seed) with python-docx, openpyxl, python-pptx and a
hand-written PDF writer, then each candidate reads the same file; the best of three runs is
reported. "dlp.extract" is this project's extractor (zip XML streamed with lxml, pypdfium2).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from dlp.extract import Limits, extract_message, extract_path
from dlp.model import Location, Segment

WORDS = [
    "student",
    "grade",
    "period",
    "teacher",
    "district",
    "attendance",
    "iep",
    "plan",
    "meeting",
    "parent",
    "counselor",
    "reading",
    "math",
    "science",
    "history",
    "score",
    "report",
    "behavior",
    "lunch",
    "bus",
    "schedule",
    "transcript",
]


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_docx(path: Path, rng: random.Random, paragraphs: int) -> None:
    import docx

    document = docx.Document()
    for _ in range(paragraphs):
        document.add_paragraph(" ".join(sentence(rng) for _ in range(3)))
    table = document.add_table(rows=50, cols=4)
    for row in table.rows:
        for cell in row.cells:
            cell.text = str(rng.randint(100000, 999999))
    document.save(path)


def make_xlsx(path: Path, rng: random.Random, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Grades")
    sheet.append(["Student ID", "Last", "First", "Grade", "Period", "Score", "Teacher", "Note"])
    for _ in range(rows):
        sheet.append(
            [
                rng.randint(100000, 999999),
                rng.choice(WORDS).title(),
                rng.choice(WORDS).title(),
                rng.choice("ABCDF"),
                rng.randint(1, 7),
                round(rng.uniform(50, 100), 1),
                rng.choice(WORDS).title(),
                sentence(rng, 5),
            ]
        )
    book.save(path)


def make_pptx(path: Path, rng: random.Random, slides: int) -> None:
    import pptx

    deck = pptx.Presentation()
    for _ in range(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = sentence(rng, 5)
        slide.placeholders[1].text = "\n".join(sentence(rng) for _ in range(6))
    deck.save(path)


def make_pdf(path: Path, rng: random.Random, pages: int) -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for _ in range(pages):
        lines = b" ".join(b"(" + sentence(rng, 10).encode() + b") Tj 0 -14 Td" for _ in range(45))
        content = b"BT /F1 10 Tf 50 750 Td " + lines + b" ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    path.write_bytes(out.getvalue())


def make_csv(path: Path, rng: random.Random, rows: int) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student ID", "Last", "First", "DOB", "Grade", "Phone", "Teacher", "Note"])
        for _ in range(rows):
            writer.writerow(
                [
                    rng.randint(100000, 999999),
                    rng.choice(WORDS).title(),
                    rng.choice(WORDS).title(),
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/20{rng.randint(5, 18):02d}",
                    rng.choice("ABCDF"),
                    f"555-{rng.randint(1000, 9999)}",
                    rng.choice(WORDS),
                    sentence(rng, 4),
                ]
            )


def make_eml(path: Path, rng: random.Random, docx_path: Path, xlsx_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Grades and IEP notes"
    message["From"] = "Ms Teacher <t@district.example>"
    message["To"] = "Parent <p@example.com>"
    message.set_content("\n".join(sentence(rng) for _ in range(40)))
    message.add_alternative(
        "<p>" + "</p><p>".join(sentence(rng) for _ in range(40)) + "</p>", subtype="html"
    )
    message.add_attachment(
        docx_path.read_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="notes.docx",
    )
    message.add_attachment(
        xlsx_path.read_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="grades.xlsx",
    )
    path.write_bytes(message.as_bytes())


# Candidates: each returns the number of characters it extracted.
def dlp_extract(path: Path) -> int:
    return sum(len(i.text) for i in extract_path(path, Limits()) if isinstance(i, Segment))


def dlp_message(path: Path) -> int:
    raw = path.read_bytes()
    items = extract_message(raw, Location(path=("message",)), Limits())
    return sum(len(i.text) for i in items if isinstance(i, Segment))


def python_docx(path: Path) -> int:
    import docx

    document = docx.Document(str(path))
    total = sum(len(p.text) for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            total += sum(len(cell.text) for cell in row.cells)
    return total


def openpyxl_read_only(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    total = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            total += sum(len(str(v)) for v in row if v is not None)
    book.close()
    return total


def python_pptx(path: Path) -> int:
    import pptx

    total = 0
    for slide in pptx.Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                total += len(shape.text_frame.text)
    return total


def pypdfium2_text(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    total = 0
    for page in document:
        total += len(page.get_textpage().get_text_range())
    document.close()
    return total


def pypdf_text(path: Path) -> int:
    import pypdf

    return sum(len(page.extract_text()) for page in pypdf.PdfReader(path).pages)


def pdfminer_text(path: Path) -> int:
    from pdfminer.high_level import extract_text

    return len(extract_text(str(path)))


def csv_row_segments(path: Path) -> int:
    """The alternative to one segment per cell: one per row, the header line as context."""
    total = 0
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = ",".join(next(reader))
        for number, row in enumerate(reader, start=2):
            segment = Segment(",".join(row), Location(path=(path.name,), row=number), header)
            total += len(segment.text)
    return total


def measure(function: Callable[[Path], int], path: Path, repeats: int) -> tuple[float, int]:
    best = float("inf")
    chars = 0
    for _ in range(repeats):
        started = time.perf_counter()
        chars = function(path)
        best = min(best, time.perf_counter() - started)
    return best, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="file size multiplier")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(20260101)
    scale = args.scale
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = {
            "docx": root / "notes.docx",
            "xlsx": root / "grades.xlsx",
            "pptx": root / "deck.pptx",
            "pdf": root / "report.pdf",
            "csv": root / "roster.csv",
            "eml": root / "message.eml",
        }
        make_docx(files["docx"], rng, int(3000 * scale))
        make_xlsx(files["xlsx"], rng, int(30000 * scale))
        make_pptx(files["pptx"], rng, int(150 * scale))
        make_pdf(files["pdf"], rng, int(300 * scale))
        make_csv(files["csv"], rng, int(100000 * scale))
        make_eml(files["eml"], rng, files["docx"], files["xlsx"])
        candidates: dict[str, list[tuple[str, Callable[[Path], int]]]] = {
            "docx": [("dlp.extract (zip XML + lxml)", dlp_extract), ("python-docx", python_docx)],
            "xlsx": [
                ("dlp.extract (zip XML + lxml)", dlp_extract),
                ("openpyxl read-only", openpyxl_read_only),
            ],
            "pptx": [("dlp.extract (zip XML + lxml)", dlp_extract), ("python-pptx", python_pptx)],
            "pdf": [
                ("dlp.extract (pypdfium2)", dlp_extract),
                ("pypdfium2 bare", pypdfium2_text),
                ("pypdf", pypdf_text),
                ("pdfminer.six", pdfminer_text),
            ],
            "csv": [
                ("dlp.extract (segment per cell)", dlp_extract),
                ("segment per row", csv_row_segments),
            ],
            "eml": [("dlp.extract.extract_message", dlp_message)],
        }
        print(
            f"{'format':6} {'candidate':34} {'size MB':>8} {'seconds':>8} {'MB/s':>8}"
            f" {'chars':>11}  extra"
        )
        for kind, path in files.items():
            size = path.stat().st_size / 1e6
            for name, function in candidates[kind]:
                repeats = 1 if name in ("pdfminer.six", "pypdf") else args.repeats
                seconds, chars = measure(function, path, repeats)
                extra = f"{int(300 * scale) / seconds:,.0f} pages/s" if kind == "pdf" else ""
                if kind == "eml":
                    extra = f"{1 / seconds:,.1f} messages/s"
                print(
                    f"{kind:6} {name:34} {size:8.2f} {seconds:8.3f} {size / seconds:8.1f}"
                    f" {chars:11,}  {extra}"
                )


if __name__ == "__main__":
    main()
