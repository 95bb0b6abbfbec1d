"""Extraction then detection: raw messages and files in, findings and unscannable items out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from dlp.engine import Scanner
from dlp.extract import Limits, extract_message, extract_path
from dlp.extract.headers import message_id_of
from dlp.extract.mime import MESSAGE_ID_PART
from dlp.identifiers import (
    Names,
    masked_message_id,
    message_id_text,
    names_of,
    rename_result,
    renamed,
)
from dlp.model import (
    FILE_NAME_PART,
    SUBJECT_PART,
    Finding,
    Location,
    ScanResult,
    Segment,
    Unscannable,
)
from dlp.packing import pack
from dlp.paragraphs import with_paragraphs

MESSAGE_LOCATION = Location(("message",))
# The parts that name a message or file: their findings mask the name (`dlp.identifiers`).
_NAME_PARTS = frozenset({FILE_NAME_PART, SUBJECT_PART, MESSAGE_ID_PART})

# Findings kept per entity type in one message or file. Enough for every count a policy asks
# about and for a person to review; a message of a million phone numbers still costs the
# decision, the audit record and the quarantine a thousand.
MAX_FINDINGS_PER_TYPE = 1000


def scan_items(
    items: Iterable[Segment | Unscannable], scanner: Scanner, paragraphs: bool = True
) -> Iterator[Finding | Unscannable]:
    """Findings of every segment, in order; unscannable items pass through. A name comes
    before what it names, so names that hold findings are masked from then on.

    ``paragraphs`` false: findings without their paragraph (None), for a caller that writes
    none (`dlp scan`): placing each finding was a thirtieth of its cost on a dense text."""
    names: Names = {}
    for item in pack(items):
        if isinstance(item, Unscannable):
            yield replace(item, location=renamed(item.location, names)) if names else item
            continue
        found = scanner.scan(item, paragraphs=paragraphs)
        # A segment of one location (no cells) whose part is no name: its findings are all
        # there, and name nothing (``names_of`` would look at each to say so).
        if item.cells is not None or item.location.part in _NAME_PARTS:
            names.update(names_of(found))
        if not names:
            yield from found  # (no name holds a finding: every location as it is)
            continue
        for finding in found:
            yield replace(finding, location=renamed(finding.location, names))


def collect(
    items: Iterable[Segment | Unscannable],
    scanner: Scanner,
    max_per_type: int = MAX_FINDINGS_PER_TYPE,
) -> ScanResult:
    """Every unscannable item and every segment's findings, at most ``max_per_type`` of each
    entity type, with names that hold findings masked in every location (`dlp.identifiers`).

    The cap is per type, so the first of each type is always kept: an SSN after ten thousand
    phone numbers is in the result. Those past the cap are counted in ``beyond_cap``. Findings
    in names are kept past it too: they are what masks a name wherever it appears.
    """
    if max_per_type < 1:
        raise ValueError("max_per_type must be at least 1: one of each type is always kept")
    findings: list[Finding] = []
    unscannable: list[Unscannable] = []
    kept: dict[str, int] = {}
    beyond: dict[str, int] = {}

    def take(entity: str, location: Location) -> bool:
        if kept.get(entity, 0) < max_per_type or location.part in _NAME_PARTS:
            kept[entity] = kept.get(entity, 0) + 1
            return True
        beyond[entity] = beyond.get(entity, 0) + 1
        return False

    segments = chars = 0
    for item in pack(items):
        if isinstance(item, Unscannable):
            unscannable.append(item)
            continue
        segments += len(item.cells) if item.cells else 1
        chars += len(item.text)
        findings.extend(with_paragraphs(item, scanner.scan(item, take)))
    result = ScanResult(tuple(findings), tuple(unscannable), segments, chars, beyond_cap=beyond)
    return rename_result(result)


def scan_message(
    raw: bytes,
    scanner: Scanner,
    limits: Limits | None = None,
    location: Location = MESSAGE_LOCATION,
    max_per_type: int = MAX_FINDINGS_PER_TYPE,
) -> ScanResult:
    """Everything found in one RFC 5322 message, its headers, bodies and attachments; its own
    Message-ID masked by the findings in it, with the whole value's keyed digest."""
    where = location.with_detail(part=MESSAGE_ID_PART)
    seen: list[str] = []

    def noting(items: Iterable[Segment | Unscannable]) -> Iterator[Segment | Unscannable]:
        for item in items:
            if not seen and isinstance(item, Segment) and item.location == where:
                seen.append(item.text)
            yield item

    extracted = noting(extract_message(raw, location, limits or Limits()))
    result = collect(extracted, scanner, max_per_type)
    if not seen:
        return result
    spans = [finding for finding in result.findings if finding.location == where]
    value = message_id_of(raw)
    if message_id_text(value) != seen[0]:  # read apart differently: mask what was scanned
        value = seen[0]
    identifier = masked_message_id(scanner.config.secret, value, spans)
    return replace(result, message_id=identifier)


def scan_path(
    path: Path,
    scanner: Scanner,
    limits: Limits | None = None,
    max_per_type: int = MAX_FINDINGS_PER_TYPE,
) -> ScanResult:
    return collect(extract_path(path, limits or Limits()), scanner, max_per_type)
