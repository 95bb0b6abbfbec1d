"""Throughput of `dlp scan-export` on a reproducible, school-like Google Vault Drive export.

    .venv/bin/python benchmarks/export_throughput.py [--size-gb 1.0] [--workers 2] [--dask]

Generates (fixed seed, into a temporary folder that is removed afterwards) a Vault-style export:
``export_0.zip``, ``export_1.zip`` and ``export-metadata.xml`` with owners and sharing. Inside:
docx (some with a photo embedded, as real ones often have), xlsx grade sheets, PDFs (some with
a scanned-image stream), scanned PDFs (image-only pages of forms and letters), CSV rosters and
schedules, text notes, zips nested inside the drive, photos (real JPEG and PNG pictures, from
``export_scans``: event photos, phone photos of forms), and videos and recordings, which are
skipped by type and reported as not scanned. Text comes from ``school_corpus`` with student
records planted in about half of the documents.

The export is scanned with OCR (the default) and, with ``--ocr both`` (the default), once more
without it: GB/hour of both, and OCR's pages and worker time apart. ``--ocr off`` scans it
without OCR only (pictures skipped by type), the figures below are then of that scan.

Prints the composition, GB/hour over the whole export and over the bytes actually read, the
share of worker time spent reading, extracting and detecting, the machine's load, and how many
of the files with planted records were flagged.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.export_scans import ScanPool
from benchmarks.school_corpus import FIRST, LAST, SUBJECTS, generate
from dlp.engine import DetectionConfig
from dlp.export.naming import path_digest
from dlp.export.result import FINDINGS, FileResult
from dlp.export.scan import ExportScan, Outcome, run_scan
from dlp.extract.limits import Limits

SEED = 7203
SECRET = b"benchmark-secret-0123456789abcdef"
MB = 1_000_000

# Share of the export's bytes per kind of file. A school drive's bytes are mostly photos, class
# videos and recordings; documents are many but small, spreadsheets smaller still. Change it
# with --mix (kind=share,...) to measure another drive; the per-kind rates printed at the end
# let anyone work out the figure for their own mix.
MIX = {
    "media": 0.50,
    "pdf": 0.18,
    "docx": 0.15,
    "zip": 0.05,
    "xlsx": 0.04,
    "txt": 0.04,
    "csv": 0.04,
    "scan": 0.05,
}


class Texts:
    """A pool of school-like documents, with and without planted records, drawn from by seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Only documents that do hold a planted record count as planted.
        self.planted = [d.text for d in generate(6_000_000, seed=SEED, pii_rate=0.03) if d.labels]
        self.clean = [d.text for d in generate(6_000_000, seed=SEED + 1, pii_rate=0.0)]

    def text(self, chars: int, planted: bool) -> str:
        """About ``chars`` characters; with ``planted``, at least one planted record."""
        pool = self.planted if planted else self.clean
        parts: list[str] = []
        total = 0
        start = self.rng.randrange(len(pool))
        while total < chars:
            piece = pool[start % len(pool)]
            parts.append(piece)
            total += len(piece)
            start += 1
        return "\n".join(parts)


# --- formats, written directly (fast enough for a gigabyte) ---------------------------------

# Every member is stamped with one fixed time: zipfile stamps the current one, and the nested
# archives' sizes (which steer the mix) then moved with the clock, so that two runs of a seed
# built different exports.
_STAMP = (2024, 9, 3, 8, 0, 0)


def _put(
    archive: zipfile.ZipFile, name: str, data: str | bytes, compress: int | None = None
) -> None:
    info = zipfile.ZipInfo(name, _STAMP)
    info.compress_type = archive.compression if compress is None else compress
    info.external_attr = 0o600 << 16  # (what ``writestr`` gives a member it names)
    archive.writestr(info, data)


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(text: str, photo: bytes | None) -> bytes:
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.split("\n")
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _put(archive, "[Content_Types].xml", _DOCX_TYPES)
        _put(archive, "_rels/.rels", _ROOT_RELS.format(target="word/document.xml"))
        _put(archive, "word/document.xml", document)
        if photo is not None:
            _put(archive, "word/media/image1.jpeg", photo, zipfile.ZIP_STORED)
    return buffer.getvalue()


_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _put(
            archive,
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            "</Types>",
        )
        _put(archive, "_rels/.rels", _ROOT_RELS.format(target="xl/workbook.xml"))
        entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(sheets, 1)
        )
        _put(
            archive,
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_S}" xmlns:r="{_R}">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_R}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        _put(
            archive,
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for n, rows in enumerate(sheets.values(), 1):
            body = "".join(
                f'<row r="{r}">'
                + "".join(
                    f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                    for c, v in enumerate(row)
                )
                + "</row>"
                for r, row in enumerate(rows, 1)
            )
            _put(
                archive,
                f"xl/worksheets/sheet{n}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_S}">'
                f"<sheetData>{body}</sheetData></worksheet>",
            )
    return buffer.getvalue()


def pdf(text: str, image: bytes | None) -> bytes:
    lines = [line[i : i + 90] for line in text.split("\n") for i in range(0, len(line), 90)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if image is not None:
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width 1 /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Length %d >>\nstream\n"
            % (len(image), len(image))
            + image
            + b"\nendstream"
        )
    kids = []
    for start in range(0, len(lines), 50):
        shown = b" ".join(
            b"("
            + line.encode("latin-1", "replace")
            .replace(b"\\", b"\\\\")
            .replace(b"(", b"\\(")
            .replace(b")", b"\\)")
            + b") Tj 0 -14 Td"
            for line in lines[start : start + 50]
        )
        content = b"BT /F1 10 Tf 40 760 Td " + shown + b" ET"
        if image is not None and start == 0:
            content = b"q 400 0 0 300 100 50 cm /Im1 Do Q " + content
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        xobject = b" /XObject << /Im1 4 0 R >>" if image is not None else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >>%s >> >>" % (len(objects), xobject)
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
    return out.getvalue()


def roster_rows(rng: random.Random, count: int, planted: bool) -> list[list[str]]:
    if planted:
        rows = [["Student ID", "First", "Last", "DOB", "Grade", "Parent phone", "Teacher"]]
        for _ in range(count):
            rows.append(
                [
                    str(rng.randint(10**9, 10**10 - 1)),
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2008, 2019)}",
                    rng.choice(["A", "A-", "B+", "B", "C", "D", "F"]),
                    f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                    rng.choice(LAST),
                ]
            )
        return rows
    rows = [["Room", "Period", "Course", "Teacher", "Enrollment", "Chromebooks"]]
    for _ in range(count):
        rows.append(
            [
                str(rng.randint(100, 420)),
                str(rng.randint(1, 7)),
                rng.choice(SUBJECTS),
                rng.choice(LAST),
                str(rng.randint(12, 36)),
                str(rng.randint(0, 36)),
            ]
        )
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode()


MEDIA_KINDS = (  # extension, magic, size range in bytes
    (".jpg", b"\xff\xd8\xff\xe0", (800_000, 4_000_000)),
    (".mp4", b"\x00\x00\x00\x18ftypmp42", (8_000_000, 40_000_000)),
    (".mp3", b"ID3\x04", (2_000_000, 8_000_000)),
    (".png", b"\x89PNG\r\n\x1a\n", (200_000, 1_500_000)),
)


class ExportBuilder:
    def __init__(self, folder: Path, target_bytes: int, seed: int, mix: dict[str, float]) -> None:
        self.folder = folder
        self.mix = mix
        self.target = target_bytes
        self.rng = random.Random(seed)
        self.texts = Texts(self.rng)
        self.composition: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.planted: set[str] = set()
        self.documents: list[tuple[str, str, str]] = []  # file name, owner, sharing
        # Real pictures (their own seed: the other kinds stay as they were for a seed).
        self.scans = ScanPool(random.Random(seed + 1))
        self.image_bytes = 0  # media that OCR reads (JPEG and PNG pictures)

    def build(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        parts = [zipfile.ZipFile(self.folder / f"export_{n}.zip", "w") for n in range(2)]
        written = 0
        number = 0
        kinds = [kind for kind, share in self.mix.items() if share > 0]
        try:
            while written < self.target:
                # Pick kinds so that each one's share of bytes tracks MIX.
                kind = min(kinds, key=lambda k: self.composition[k] / self.mix[k])
                number += 1
                name, data, compress, planted = self.make(kind, number)
                owner = f"{self.rng.choice(FIRST).lower()}.{self.rng.choice(LAST).lower()}@cusd.com"
                member = f"{owner}/{self.rng.choice(SUBJECTS)}/{name}"
                _put(
                    parts[number % 2],
                    member,
                    data,
                    zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED,
                )
                if planted:
                    self.planted.add(member)
                self.documents.append((name, owner, self.sharing(owner)))
                self.composition[kind] += len(data)
                self.counts[kind] += 1
                written += len(data)
        finally:
            for part in parts:
                part.close()
        self.write_metadata()
        return self.folder

    def sharing(self, owner: str) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return ""
        if roll < 0.8:
            return f"{self.rng.choice(LAST).lower()}@cusd.com"
        if roll < 0.95:
            return f"{owner},parent{self.rng.randint(1, 999)}@gmail.com"
        return "anyoneWithLink"

    def make(self, kind: str, number: int) -> tuple[str, bytes, bool, bool]:
        rng = self.rng
        planted = rng.random() < 0.5
        file_id = f"1{number:06d}{rng.randrange(16**8):08x}"
        if kind == "media":
            extension, magic, (low, high) = rng.choice(MEDIA_KINDS)
            if extension in (".jpg", ".png"):
                data, planted = self.picture(extension, planted)
                return f"media_{file_id}{extension}", data, False, planted
            data = magic + rng.randbytes(rng.randint(low, high))
            return f"media_{file_id}{extension}", data, False, False
        if kind == "scan":
            return f"Scan_{file_id}.pdf", self.scans.scanned_pdf(planted), False, planted
        if kind == "docx":
            photo = self.scans.photo(small=True) if rng.random() < 0.4 else None
            text = self.texts.text(rng.randint(8_000, 90_000), planted)
            return f"Notes_{file_id}.docx", docx(text, photo), False, planted
        if kind == "pdf":
            image = rng.randbytes(rng.randint(200_000, 1_200_000)) if rng.random() < 0.5 else None
            text = self.texts.text(rng.randint(6_000, 60_000), planted)
            return f"Letter_{file_id}.pdf", pdf(text, image), True, planted
        if kind == "xlsx":
            sheets = {
                f"Period {p}": roster_rows(rng, rng.randint(25, 400), planted)
                for p in range(1, rng.randint(2, 6))
            }
            return f"Gradebook_{file_id}.xlsx", xlsx(sheets), False, planted
        if kind == "csv":
            planted = planted and rng.random() < 0.6
            rows = roster_rows(rng, rng.randint(200, 6000), planted)
            return f"Export_{file_id}.csv", csv_bytes(rows), True, planted
        if kind == "txt":
            text = self.texts.text(rng.randint(2_000, 40_000), planted)
            return f"Memo_{file_id}.txt", text.encode(), True, planted
        members = {}
        for inner in range(rng.randint(2, 6)):
            if rng.random() < 0.5:
                members[f"old/roster{inner}.csv"] = csv_bytes(
                    roster_rows(rng, rng.randint(100, 2000), planted)
                )
            else:
                members[f"old/notes{inner}.docx"] = docx(
                    self.texts.text(rng.randint(5_000, 40_000), planted), None
                )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                _put(archive, member, data)
        return f"Backup_{file_id}.zip", buffer.getvalue(), False, planted

    def picture(self, extension: str, planted: bool) -> tuple[bytes, bool]:
        """A JPEG: mostly an event photo, one in five a phone photo of a form; a PNG: a phone
        photo of a form saved losslessly (a screenshot). Returns the bytes and whether a
        record is planted in them."""
        if extension == ".jpg" and self.rng.random() < 0.8:
            data, planted = self.scans.photo(), False
        else:
            data = self.scans.document_photo(planted)
        self.image_bytes += len(data)
        return data, planted

    def write_metadata(self) -> None:
        with open(self.folder / "export-metadata.xml", "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Root><Batch><Documents>\n')
            for number, (name, owner, shared) in enumerate(self.documents):
                out.write(
                    f'<Document DocID="d{number}"><Tags>'
                    f'<Tag TagName="#Author" TagValue="{owner}"/>'
                    f'<Tag TagName="Collaborators" TagValue="{shared}"/>'
                    f'<Tag TagName="FileName" TagValue="{escape(name)}"/></Tags>'
                    f'<Files><File FileType="Native"><ExternalFile FileName="{escape(name)}"/>'
                    "</File></Files></Document>\n"
                )
            out.write("</Documents></Batch></Root>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--dask",
        action="store_true",
        help="run on a local Dask cluster of --workers processes instead",
    )
    parser.add_argument("--keep", type=Path, help="write the export and reports here, keep them")
    parser.add_argument(
        "--ocr",
        choices=("on", "both", "off"),
        default="both",
        help="scan with OCR only, once more without it (the default), or without it only",
    )
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=MIX,
        help="shares of bytes by kind, e.g. media=0.5,pdf=0.2,docx=0.3",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="export-bench-") as scratch:
        base = args.keep or Path(scratch)
        started = time.monotonic()
        builder = ExportBuilder(base / "export", int(args.size_gb * 1e9), args.seed, args.mix)
        export = builder.build()
        generated = time.monotonic() - started
        total = sum(builder.composition.values())
        print(f"generated {total / 1e9:.2f} GB in {generated:.0f} s (seed {args.seed}):")
        for kind in args.mix:
            print(
                f"  {kind:6} {builder.counts[kind]:5} files {builder.composition[kind] / MB:8.1f}"
                f" MB ({100 * builder.composition[kind] / total:4.1f}%)"
            )

        config = DetectionConfig(secret=SECRET)
        scheduler = None
        cluster = None
        if args.dask:
            from distributed import LocalCluster

            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
            scheduler = cluster.scheduler_address
        load_before = os.getloadavg()
        cpu_before = os.times()
        started = time.monotonic()
        try:
            outcome = run_scan(
                ExportScan(
                    export=export,
                    out=base / "reports",
                    config=config,
                    workers=args.workers,
                    scheduler=scheduler,
                    internal_domains=frozenset({"cusd.com"}),
                    limits=Limits(ocr=args.ocr != "off"),
                )
            )
        finally:
            if cluster is not None:
                cluster.close()
        seconds = time.monotonic() - started
        load_after = os.getloadavg()
        cpu_after = os.times()
        summary = outcome.summary
        skipped = builder.composition["media"]
        if args.ocr != "off":
            skipped -= builder.image_bytes  # (images are read)
        read = summary.bytes - skipped
        worker = max(summary.seconds_read + summary.seconds_extract + summary.seconds_detect, 1e-9)
        children = (
            cpu_after.children_user
            + cpu_after.children_system
            - cpu_before.children_user
            - cpu_before.children_system
        )
        # The coordinating process shares the cores with the workers: its time is theirs lost.
        coordinator = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        members = export_members(export)
        flagged = {members[item.key] for item in outcome_files(outcome)}
        hit = len(builder.planted & flagged)
        print(
            f"\nscan: {'dask' if args.dask else 'local'}, {args.workers} worker processes on "
            f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}, "
            f"after {load_after[0]:.2f}"
        )
        print(f"  {summary.files} files, {summary.bytes / 1e9:.2f} GB in {seconds:.1f} s")
        print(
            f"  throughput: {summary.bytes / 1e9 / (seconds / 3600):.1f} GB/hour over the export;"
            f" {read / 1e9 / (seconds / 3600):.1f} GB/hour over the {read / 1e9:.2f} GB read"
            f" ({skipped / 1e9:.2f} GB of media skipped by type)"
        )
        print(
            f"  text: {summary.chars / 1e6:.0f} M characters, "
            f"{summary.chars / 1e6 / seconds:.1f} M/s"
        )
        print(
            f"  worker time {worker:.0f} s: reading {100 * summary.seconds_read / worker:.0f}%,"
            f" extraction {100 * summary.seconds_extract / worker:.0f}%,"
            f" detection {100 * summary.seconds_detect / worker:.0f}%"
            + (
                f"; worker CPU {children:.0f} s, coordinating process CPU {coordinator:.1f} s"
                if not args.dask
                else ""
            )
        )
        print(f"  outcomes: {dict(summary.by_status)}; findings {summary.findings}")
        print(
            f"  files with planted records flagged: {hit} of {len(builder.planted)}; "
            f"files without planted records flagged: {len(flagged - builder.planted)} of "
            f"{summary.files - len(builder.planted)}"
        )
        print("  per kind (worker seconds; MB per worker-second):")
        for kind, (files, size, busy) in sorted(per_kind(outcome, members).items()):
            rate = f"{size / MB / busy:8.1f}" if busy > 0 else "skipped"
            print(f"    {kind:6} {files:5} files {size / MB:8.1f} MB {busy:7.1f} s {rate}")
        print(
            f"  OCR: {summary.ocr_pages} pages or images in {summary.seconds_ocr:.0f} s of worker"
            f" time ({100 * summary.seconds_ocr / worker:.0f}%); pictures "
            f"{builder.image_bytes / 1e9:.2f} GB, scanned PDFs "
            f"{builder.composition['scan'] / 1e9:.2f} GB"
        )
        if args.ocr == "both":
            compare_without_ocr(export, base, config, args.workers, seconds, summary.bytes)
        if args.keep:
            print(f"  export and reports kept in {base}")
        sys.stdout.flush()


def compare_without_ocr(
    export: Path, base: Path, config: DetectionConfig, workers: int, seconds: float, size: int
) -> None:
    """The same export scanned again with OCR off (pictures skipped by type, scanned pages
    reported as image content): GB/hour of both runs, side by side."""
    started = time.monotonic()
    outcome = run_scan(
        ExportScan(
            export=export,
            out=base / "reports-no-ocr",
            config=config,
            workers=workers,
            internal_domains=frozenset({"cusd.com"}),
            limits=Limits(ocr=False),
        )
    )
    without = time.monotonic() - started
    print(
        f"  GB/hour over the export: with OCR {size / 1e9 / (seconds / 3600):.1f}, without OCR "
        f"{outcome.summary.bytes / 1e9 / (without / 3600):.1f} ({without:.1f} s; "
        f"{outcome.summary.flagged} files flagged without OCR)"
    )


def all_files(outcome: Outcome) -> list[FileResult]:
    with sqlite3.connect(outcome.out / "state.sqlite") as db:
        rows = db.execute("SELECT result FROM files").fetchall()
    return [FileResult.from_json(text) for (text,) in rows]


def outcome_files(outcome: Outcome) -> list[FileResult]:
    """Files with findings, read back from the run's state file."""
    return [item for item in all_files(outcome) if item.status == FINDINGS]


def export_members(export: Path) -> dict[str, str]:
    """{a file's key in the reports: its member path in the export's zip}: the reports key
    files by a keyed digest of their path (`dlp.export.naming.path_digest`)."""
    members: dict[str, str] = {}
    for part in sorted(export.glob("*.zip")):
        with zipfile.ZipFile(part) as archive:
            for member in archive.namelist():
                members[path_digest(SECRET, f"{part.name}/{member}")] = member
    return members


def per_kind(outcome: Outcome, members: dict[str, str]) -> dict[str, tuple[int, int, float]]:
    """{kind: (files, bytes, worker seconds)}."""
    totals: dict[str, tuple[int, int, float]] = {}
    media = {extension for extension, _, _ in MEDIA_KINDS}
    for item in all_files(outcome):
        extension = "." + members[item.key].rsplit(".", 1)[-1]
        kind = "media" if extension in media else extension[1:]
        files, size, busy = totals.get(kind, (0, 0, 0.0))
        totals[kind] = (
            files + 1,
            size + item.size,
            busy + item.seconds_read + item.seconds_extract + item.seconds_detect,
        )
    return totals


def parse_mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in text.split(","):
        kind, _, share = part.partition("=")
        if kind.strip() not in MIX:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r}: one of {', '.join(MIX)}")
        mix[kind.strip()] = float(share)
    return mix


if __name__ == "__main__":
    main()
