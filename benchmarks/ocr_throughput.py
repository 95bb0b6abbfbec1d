"""OCR engines on the same generated scans: pages/s per core, recall after detection, memory.

    .venv/bin/python benchmarks/ocr_throughput.py [--engines rapidocr,tesseract] [--dpi 150,200,300]
    .venv/bin/python benchmarks/ocr_throughput.py --rule

Forms are rendered by Pillow (tests/extract/scans.py) with planted names, student IDs, SSNs and
IEP/504 terms in English and Spanish, at each DPI, clean, skewed, blurred and photographed
(perspective, shadow, JPEG). Each is read by dlp.extract (the image extractor and the engine
named in Limits) and then by the detector, and a planted item counts as found when a finding
of its entity type matches a piece of its value. CPU time counts the process and, for
Tesseract, its child processes: pages/s per core is pages / CPU seconds. Memory is the peak
resident size of the process (RapidOCR) or of the tesseract children.

``--rule`` prints what the PDF extractor's "scanned page" rule measures (non-space characters
of the text layer, share of the page under images) on typical pages.
"""

from __future__ import annotations

import argparse
import resource
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from dlp.engine import DetectionConfig, build_scanner
from dlp.extract import Limits, extract_bytes
from dlp.extract.ocr import OcrUnavailable, engine
from dlp.model import Location, Segment
from tests.extract.scans import (
    FORM_504_ES,
    IEP_EN,
    Planted,
    blurred,
    encoded,
    form,
    photographed,
    skewed,
)

DEGRADATIONS = {
    "clean": lambda page: encoded(page, "PNG"),
    "skewed": lambda page: encoded(skewed(page, 3.0), "PNG"),
    "blurred": lambda page: encoded(blurred(page, 1.5), "PNG"),
    "photographed": lambda page: encoded(photographed(page), "JPEG", quality=70),
}
FORMS = {"en": IEP_EN, "es": FORM_504_ES}


ACCENTED = ("José", "Ramírez", "Número", "evaluación")


def _squash(text: str) -> str:
    """Spaces and accents left out: OCR drops both, and detection still finds the value (the
    accents are counted on their own, ACCENTED)."""
    bare = unicodedata.normalize("NFKD", "".join(text.split()).lower())
    return "".join(char for char in bare if not unicodedata.combining(char))


def found(item: Planted, segments: list[Segment], scanner) -> bool:
    value = _squash(item.value)
    for segment in segments:
        for finding in scanner.scan(segment):
            if finding.entity_type != item.entity:
                continue
            matched = _squash(segment.text[finding.start : finding.end])
            if matched and (matched in value or value in matched):
                return True
    return False


def cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, time.perf_counter()


def peaks() -> str:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak RSS {own:.0f} MB in this process, {kids:.0f} MB in a child"


def run(name: str, dpis: list[int], scanner) -> None:
    try:
        engine(name)  # loaded outside the timing: a scanning process loads it once
    except OcrUnavailable as error:
        print(f"{name}: not available ({error})")
        return
    limits = Limits(ocr_engine=name, ocr_max_pages=10**6, ocr_max_seconds=1e9)
    by_item: dict[str, list[bool]] = defaultdict(list)
    by_degradation: dict[str, list[bool]] = defaultdict(list)
    accents: list[bool] = []
    pages = 0
    cpu_spent = wall_spent = 0.0
    for dpi in dpis:
        for language, planted in FORMS.items():
            page = form(planted, dpi=dpi)
            for degradation, make in DEGRADATIONS.items():
                data = make(page)
                before = cpu()
                items = list(extract_bytes(data, "scan", Location(("scan",)), limits))
                after = cpu()
                cpu_spent += after[0] - before[0]
                wall_spent += after[1] - before[1]
                pages += 1
                segments = [item for item in items if isinstance(item, Segment)]
                if language == "es":
                    read = " ".join(segment.text for segment in segments)
                    accents.extend(word in read for word in ACCENTED)
                for item in planted:
                    hit = found(item, segments, scanner)
                    key = f"{language} {item.entity}: {item.label or item.value[:24]}"
                    by_item[key].append(hit)
                    by_degradation[f"{degradation} {dpi} dpi"].append(hit)
    print(
        f"\n{name}: {pages} pages, {pages / cpu_spent:.2f} pages/s per core "
        f"({cpu_spent / pages:.2f} CPU s/page, {wall_spent / pages:.2f} s/page wall), "
        f"{peaks()}"
    )
    print(
        f"  Spanish words read with their accents ({', '.join(ACCENTED)}): "
        f"{sum(accents)}/{len(accents)}"
    )
    print("  recall by planted item:")
    for key, hits in sorted(by_item.items()):
        print(f"    {key:<58} {sum(hits)}/{len(hits)}")
    print("  recall by degradation:")
    for key, hits in sorted(by_degradation.items()):
        print(f"    {key:<28} {sum(hits)}/{len(hits)}")


def rule(corpus: Path | None) -> None:
    """What the scanned-page rule sees on typical pages (tests/extract/makers.pdf)."""
    import pypdfium2 as pdfium

    from tests.extract.makers import pdf

    scan = form(IEP_EN, dpi=100)
    letter = "Dear families, the spring conference schedule is below. " * 6
    cases = {
        "scan, no text layer": pdf([None], scan=scan),
        "scan with a scanner's stamp": pdf(["Page 1 of 3   Scanned 2025-03-04 10:12"], scan=scan),
        "typed letter over a letterhead image": pdf([letter], scan=scan),
        "a small picture, no text": pdf([None]),
    }
    for label, data in cases.items():
        chars, cover = _measure(pdfium.PdfDocument(data)[0])
        print(f"  {label:<40} {chars:>4} non-space chars, images cover {cover:.0%}")
    if corpus is None or not corpus.is_dir():
        return
    # Every page of the real PDFs in the shared corpus: how many the rule calls scanned, and
    # how many sit near either threshold.
    counts: dict[str, int] = defaultdict(int)
    for path in sorted(corpus.rglob("*.pdf")):
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            continue
        for index in range(min(len(document), 50)):
            chars, cover = _measure(document[index])
            counts["pages"] += 1
            counts["scanned by the rule"] += chars < 50 and cover >= 0.5
            counts["thin text (<50), images 10-50%"] += chars < 50 and 0.1 <= cover < 0.5
            counts["images >= 50%, text 50-200 chars"] += 50 <= chars < 200 and cover >= 0.5
            counts["images >= 50%, text >= 200 chars"] += chars >= 200 and cover >= 0.5
    print(f"  corpus {corpus}:")
    for key, count in counts.items():
        print(f"    {key:<40} {count}")


def _measure(page) -> tuple[int, float]:
    from dlp.extract.pdfdoc import image_cover

    textpage = page.get_textpage()
    chars = sum(not c.isspace() for c in textpage.get_text_range())
    return chars, image_cover(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # One engine per run gives each its own memory figure.
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument("--dpi", default="150,200,300")
    parser.add_argument("--rule", action="store_true", help="measure the scanned-page rule")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("../shared/corpus/docs"),
        help="PDFs to measure the rule on (with --rule)",
    )
    args = parser.parse_args()
    if args.rule:
        rule(args.corpus)
        return
    scanner = build_scanner(DetectionConfig(secret=b"benchmark-secret-0123456789abcdef"))
    dpis = [int(dpi) for dpi in args.dpi.split(",")]
    for name in args.engines.split(","):
        run(name, dpis, scanner)


if __name__ == "__main__":
    main()
