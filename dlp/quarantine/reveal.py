"""Where each finding sits in a held message: its text around it, findings masked, and (only
when asked, and audited by the caller) the matched value itself.

The store keeps findings' offsets into their segment's text, not the text. The original is
extracted again, with the same extractor the scan used, and each finding is matched to the
segment at its (masked) location whose text is long enough to hold it. Names that a finding
masked in the stored locations (`dlp.identifiers`) are found again the same way.

Text shown without a reveal is masked as the names are: the stored findings, and whatever the
district's scanner finds in that text now (``mask``: a roster's names, a name recognizer's),
so that a look at the context is no reveal of the student it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from dlp.extract.celltable import cells_of
from dlp.identifiers import Span, match_names, renamed
from dlp.model import Location, Segment
from dlp.policy.summary import safe_location
from dlp.quarantine.records import StoredFinding

# What the scanner finds in a text, as spans to mask (`dlp.quarantine.wiring.context_mask`).
ContextMask = Callable[[str], Sequence[Span]]

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


@dataclass(frozen=True, slots=True)
class _Masked:
    """A span the scanner finds in the text now, shown masked like another finding."""

    start: int
    end: int
    masked: str
    position: int = -1


def _segments(raw: bytes, by_location: dict[str, list[StoredFinding]]) -> dict[str, list[str]]:
    # The extractors load when a message is shown, not with every `dlp quarantine` command.
    from dlp.extract import Limits, extract_message
    from dlp.pipeline import MESSAGE_LOCATION

    pieces: list[tuple[Location, str]] = []
    for item in extract_message(raw, MESSAGE_LOCATION, Limits()):
        if isinstance(item, Segment):
            # A packed table: each cell at its own location.
            pieces.extend((piece.location, piece.text) for piece in cells_of(item))
    names = match_names((location for location, _ in pieces), by_location)
    texts: dict[str, list[str]] = {}
    for location, text in pieces:
        texts.setdefault(safe_location(renamed(location, names)), []).append(text)
    return texts


def _pick(candidates: Sequence[str], findings: Sequence[StoredFinding]) -> str | None:
    """The first text long enough for every finding placed in it."""
    needed = max(finding.end for finding in findings)
    return next((text for text in candidates if len(text) >= needed), None)


def _window(
    text: str, finding: StoredFinding, others: Sequence[StoredFinding | _Masked]
) -> list[Piece]:
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
        if item.start < position:  # overlapping findings: the first one shown covers it all
            position = max(position, item.end)
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
    raw: bytes,
    findings: Sequence[StoredFinding],
    reveal: bool | Collection[int] = False,
    mask: ContextMask | None = None,
) -> list[FindingView]:
    """One view per finding, in order; values only for those ``reveal`` names (True: all, or
    their positions). Around every other one, what ``mask`` finds in the text is masked too."""
    by_location: dict[str, list[StoredFinding]] = {}
    for finding in findings:
        by_location.setdefault(finding.location, []).append(finding)
    texts = _segments(raw, by_location)
    chosen = {
        location: _pick(texts.get(location, ()), placed) for location, placed in by_location.items()
    }
    revealed = {f.position for f in findings} if reveal is True else set(reveal or ())
    masks: dict[str, list[StoredFinding | _Masked]] = {}
    for location, placed in by_location.items():
        text = chosen[location]
        masked = any(finding.position not in revealed for finding in placed)
        extra = mask(text) if mask is not None and text is not None and masked else ()
        masks[location] = [*placed, *(_Masked(span.start, span.end, span.masked) for span in extra)]
    views = []
    for finding in findings:
        text = chosen[finding.location]
        if text is None:
            views.append(FindingView(finding, ()))
        elif finding.position in revealed:
            pieces = _window(text, finding, by_location[finding.location])
            views.append(FindingView(finding, tuple(pieces), text[finding.start : finding.end]))
        else:
            pieces = _window(text, finding, masks[finding.location])
            views.append(FindingView(finding, tuple(pieces)))
    return views
