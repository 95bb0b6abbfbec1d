"""Where each finding sits in a held message: its text around it, findings masked, and (only
when asked, and audited by the caller) the matched value itself.

The store keeps findings' offsets into their segment's text, not the text. The original is
extracted again, with the same extractor the scan used, and each finding is matched to the
segment at its (masked) location whose text is long enough to hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dlp.extract import Limits, extract_message
from dlp.extract.celltable import cells_of
from dlp.model import Segment
from dlp.pipeline import MESSAGE_LOCATION
from dlp.policy.summary import safe_location
from dlp.quarantine.records import StoredFinding

WINDOW = 80  # characters shown on each side of a finding


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text in a finding's surroundings: ``kind`` is "text", "finding" (the one this
    view is about) or "other" (another finding, masked too)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class FindingView:
    finding: StoredFinding
    pieces: tuple[Piece, ...]  # empty when the text could not be found again
    value: str | None = None  # the clear value: only from `locate(..., reveal=True)`


def _segments(raw: bytes) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for item in extract_message(raw, MESSAGE_LOCATION, Limits()):
        if isinstance(item, Segment):
            for piece in cells_of(item):  # a packed table: each cell at its own location
                texts.setdefault(safe_location(piece.location), []).append(piece.text)
    return texts


def _pick(candidates: Sequence[str], findings: Sequence[StoredFinding]) -> str | None:
    """The first text long enough for every finding placed in it."""
    needed = max(finding.end for finding in findings)
    return next((text for text in candidates if len(text) >= needed), None)


def _window(text: str, finding: StoredFinding, others: Sequence[StoredFinding]) -> list[Piece]:
    start, end = max(0, finding.start - WINDOW), min(len(text), finding.end + WINDOW)
    spans = sorted(
        (item for item in others if item.start < end and item.end > start),
        key=lambda item: (item.start, -item.end),
    )
    # A finding cut by the window's edge is shown whole (masked), never half in clear.
    for item in spans:
        start, end = min(start, item.start), max(end, item.end)
    pieces: list[Piece] = []
    position = start
    for item in spans:
        if item.start < position:  # overlapping findings: the first one shown covers it
            continue
        if item.start > position:
            pieces.append(Piece("text", text[position : item.start]))
        kind = "finding" if item.position == finding.position else "other"
        pieces.append(Piece(kind, item.masked))
        position = item.end
    if position < end:
        pieces.append(Piece("text", text[position:end]))
    if start > 0:
        pieces.insert(0, Piece("text", "…"))
    if end < len(text):
        pieces.append(Piece("text", "…"))
    return pieces


def locate(
    raw: bytes, findings: Sequence[StoredFinding], reveal: bool = False
) -> list[FindingView]:
    """One view per finding, in order; values only when ``reveal`` is set."""
    texts = _segments(raw)
    by_location: dict[str, list[StoredFinding]] = {}
    for finding in findings:
        by_location.setdefault(finding.location, []).append(finding)
    chosen = {
        location: _pick(texts.get(location, ()), placed) for location, placed in by_location.items()
    }
    views = []
    for finding in findings:
        text = chosen[finding.location]
        if text is None:
            views.append(FindingView(finding, ()))
            continue
        pieces = _window(text, finding, by_location[finding.location])
        value = text[finding.start : finding.end] if reveal else None
        views.append(FindingView(finding, tuple(pieces), value))
    return views
