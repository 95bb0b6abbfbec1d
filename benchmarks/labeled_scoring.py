"""Precision and recall per entity on labeled sets, for this scanner and for stock Presidio.

A labeled set is a JSON list in presidio-research's format: ``full_text`` and ``spans`` (each
with ``start_position``, ``end_position``, ``entity_type``). The sets are every such file in
``../shared/corpus/pii/`` and in ``tests/data/`` (``tests/data/labeled/``, written by
``benchmarks/make_labeled_sets.py``). A found span counts when it overlaps a labeled span of the
same entity (the sets do not agree on where a value ends: "Suite 041", a phone's "x12").

Stock Presidio is what a district gets out of the box: its predefined recognizers, a blank
English spaCy pipeline (no model can be downloaded here), score >= 0.4.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS_PII = REPO.parent / "shared" / "corpus" / "pii"
TESTS_DATA = REPO / "tests" / "data"
PRESIDIO_THRESHOLD = 0.4

Span = tuple[int, int, str]
Record = tuple[str, list[Span]]
Finder = Callable[[str], list[Span]]


@dataclass(frozen=True)
class Row:
    """One line of the entity map: the labels a set may use, and each side's entity name
    (None: that side has no recognizer for it)."""

    entity: str
    labels: tuple[str, ...]
    ours: str | None
    presidio: str | None
    note: str = ""


ENTITY_MAP = (
    Row("US_SSN", ("US_SSN",), "US_SSN", "US_SSN"),
    Row("STUDENT_ID", ("STUDENT_ID",), "STUDENT_ID", None, "no Presidio recognizer"),
    Row("PHONE_NUMBER", ("PHONE_NUMBER",), "PHONE_NUMBER", "PHONE_NUMBER"),
    Row("EMAIL_ADDRESS", ("EMAIL_ADDRESS",), "EMAIL_ADDRESS", "EMAIL_ADDRESS"),
    Row("CREDIT_CARD", ("CREDIT_CARD",), "CREDIT_CARD", "CREDIT_CARD"),
    Row("US_BANK_NUMBER", ("US_BANK_NUMBER",), "US_BANK_NUMBER", "US_BANK_NUMBER"),
    Row(
        "PERSON",
        ("PERSON",),
        "PERSON",
        "PERSON",
        "ours: name lists with context; Presidio: spaCy NER, silent without a model",
    ),
    Row(
        "ADDRESS",
        ("STREET_ADDRESS", "ADDRESS"),
        "US_STREET_ADDRESS",
        None,
        "ours: US street addresses only",
    ),
    Row("IBAN_CODE", ("IBAN_CODE",), None, "IBAN_CODE"),
    Row("IP_ADDRESS", ("IP_ADDRESS",), None, "IP_ADDRESS"),
    Row("DOMAIN_NAME", ("DOMAIN_NAME",), None, "URL"),
    Row("US_DRIVER_LICENSE", ("US_DRIVER_LICENSE",), None, "US_DRIVER_LICENSE"),
    Row(
        "DATE_TIME",
        ("DATE_TIME",),
        None,
        "DATE_TIME",
        "ours finds dates of birth only (DATE_OF_BIRTH): not compared",
    ),
)


@dataclass
class Counts:
    tp: int = 0  # labeled spans found
    fn: int = 0  # labeled spans missed
    fp: int = 0  # findings over no labeled span of the entity

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class SetScore:
    name: str
    records: int
    chars: int
    ours: dict[str, Counts] = field(default_factory=dict)
    presidio: dict[str, Counts] = field(default_factory=dict)
    labeled: dict[str, int] = field(default_factory=dict)  # entity -> labeled spans


def is_labeled_set(path: Path) -> bool:
    """A JSON list whose first item has ``full_text`` and ``spans``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and {"full_text", "spans"} <= data[0].keys()
    )


def labeled_set_paths(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        if folder.is_dir():
            yield from (p for p in sorted(folder.rglob("*.json")) if is_labeled_set(p))


def load_records(path: Path) -> list[Record]:
    return [
        (
            r["full_text"],
            [(s["start_position"], s["end_position"], s["entity_type"]) for s in r["spans"]],
        )
        for r in json.loads(path.read_text(encoding="utf-8"))
    ]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def count(records: list[Record], finder: Finder, side: str) -> dict[str, Counts]:
    """Counts per entity-map row for one side ("ours" or "presidio") on the records."""
    rows = [row for row in ENTITY_MAP if getattr(row, side) is not None]
    counts = {row.entity: Counts() for row in rows}
    for text, gold in records:
        found = finder(text)
        for row in rows:
            wanted = [(s, e) for s, e, label in gold if label in row.labels]
            got = [(s, e) for s, e, entity in found if entity == getattr(row, side)]
            c = counts[row.entity]
            for s, e in wanted:
                if _overlaps(s, e, got):
                    c.tp += 1
                else:
                    c.fn += 1
            c.fp += sum(1 for s, e in got if not _overlaps(s, e, wanted))
    return counts


def score_set(name: str, records: list[Record], ours: Finder, presidio: Finder | None) -> SetScore:
    labeled: dict[str, int] = {}
    for row in ENTITY_MAP:
        n = sum(1 for _, gold in records for *_, label in gold if label in row.labels)
        if n:
            labeled[row.entity] = n
    return SetScore(
        name,
        len(records),
        sum(len(text) for text, _ in records),
        count(records, ours, "ours"),
        count(records, presidio, "presidio") if presidio is not None else {},
        labeled,
    )


def scanner_finder() -> Finder:
    from dlp.engine import DetectionConfig, build_scanner

    scanner = build_scanner(DetectionConfig(secret=b"labeled-scoring-secret-0123456789"))
    return lambda text: [(f.start, f.end, f.entity_type) for f in scanner.scan_text(text)]


def presidio_finder() -> Finder:
    """Stock Presidio: its predefined recognizers, a blank English pipeline, score >= 0.4."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from dlp.detect.presidio_compat import OfflineSpacyNlpEngine

    # Presidio's e-mail and URL recognizers call the module-level tldextract.extract, which
    # downloads the public suffix list on first use: point it at the bundled snapshot.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    engine = OfflineSpacyNlpEngine()
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=engine, languages=["en"])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return lambda text: [
        (r.start, r.end, r.entity_type)
        for r in analyzer.analyze(text, language="en", score_threshold=PRESIDIO_THRESHOLD)
    ]


def _cell(c: Counts | None, n: int) -> str:
    if c is None:
        return f"{'-':>15}"
    return f"{c.precision:6.3f} {c.recall:6.3f}  " if n else f"{'fp=' + str(c.fp):>15}"


def format_set(score: SetScore) -> list[str]:
    lines = [
        f"{score.name}: {score.records} records, {score.chars / 1000:.0f} k characters",
        f"  {'entity':18} {'labels':>6}   {'ours P':>6} {'R':>6}   {'Presidio P':>10} {'R':>6}",
    ]
    for row in ENTITY_MAP:
        n = score.labeled.get(row.entity, 0)
        if not n:
            continue
        ours = score.ours.get(row.entity)
        theirs = score.presidio.get(row.entity)
        flag = ""
        if ours is not None and theirs is not None and ours.recall < theirs.recall:
            flag = "  recall under Presidio's"
        lines.append(
            f"  {row.entity:18} {n:6}   {_cell(ours, n)} {_cell(theirs, n)}{flag}".rstrip()
        )
    # Findings of entities the set never labels: false positives too, when it labels all.
    stray = [
        f"{side} {entity} {c.fp}"
        for side, counts in (("ours", score.ours), ("Presidio", score.presidio))
        for entity, c in counts.items()
        if c.fp and entity not in score.labeled
    ]
    if stray:
        lines.append(f"  unlabeled entities found: {', '.join(stray)}")
    return lines


def format_entity_map() -> list[str]:
    lines = [f"  {'labels':28} {'this scanner':18} {'stock Presidio':18} note"]
    for row in ENTITY_MAP:
        lines.append(
            f"  {'/'.join(row.labels):28} {row.ours or '-':18} {row.presidio or '-':18} "
            f"{row.note}".rstrip()
        )
    return lines


def total(scores: list[SetScore], side: str) -> dict[str, Counts]:
    summed: dict[str, Counts] = {}
    for score in scores:
        for entity, c in getattr(score, side).items():
            if entity not in score.labeled and not c.fp:
                continue
            into = summed.setdefault(entity, Counts())
            into.tp, into.fn, into.fp = into.tp + c.tp, into.fn + c.fn, into.fp + c.fp
    return summed
