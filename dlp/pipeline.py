"""Extraction then detection: raw messages and files in, findings and unscannable items out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from dlp.engine import Scanner
from dlp.extract import Limits, extract_message, extract_path
from dlp.model import Finding, Location, ScanResult, Segment, Unscannable
from dlp.packing import pack

MESSAGE_LOCATION = Location(("message",))


def scan_items(
    items: Iterable[Segment | Unscannable], scanner: Scanner
) -> Iterator[Finding | Unscannable]:
    """Findings of every segment, in order; unscannable items pass through unchanged."""
    for item in pack(items):
        if isinstance(item, Unscannable):
            yield item
        else:
            yield from scanner.scan(item)


def collect(items: Iterable[Segment | Unscannable], scanner: Scanner) -> ScanResult:
    findings: list[Finding] = []
    unscannable: list[Unscannable] = []
    segments = chars = 0
    for item in pack(items):
        if isinstance(item, Unscannable):
            unscannable.append(item)
            continue
        segments += len(item.cells) if item.cells else 1
        chars += len(item.text)
        findings.extend(scanner.scan(item))
    return ScanResult(tuple(findings), tuple(unscannable), segments, chars)


def scan_message(
    raw: bytes,
    scanner: Scanner,
    limits: Limits | None = None,
    location: Location = MESSAGE_LOCATION,
) -> ScanResult:
    """Everything found in one RFC 5322 message, its headers, bodies and attachments."""
    return collect(extract_message(raw, location, limits or Limits()), scanner)


def scan_path(path: Path, scanner: Scanner, limits: Limits | None = None) -> ScanResult:
    return collect(extract_path(path, limits or Limits()), scanner)
