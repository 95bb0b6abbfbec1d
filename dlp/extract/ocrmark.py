"""How text read by OCR is marked, and how much less its findings are trusted.

OCR text goes into ordinary segments; its location's ``part`` says it was read by OCR and
with what confidence ("ocr 93%"), so every finding made in it carries both, in reports too.

The rule: a finding in OCR text keeps its score when the engine's confidence is at least
``TRUSTED`` (a clean read is as good as a text layer), and below that its score is multiplied
by confidence / TRUSTED: a page read at 60% gives its findings two thirds of their score, so
that a shaky read alone rarely passes a policy's minimum.
"""

from __future__ import annotations

import re

from dlp.model import Location

OCR_PART = "ocr"
TRUSTED = 0.9
_PART = re.compile(r"ocr (\d{1,3})%")


def ocr_part(confidence: float) -> str:
    return f"{OCR_PART} {round(max(0.0, min(1.0, confidence)) * 100)}%"


def ocr_confidence(location: Location) -> float | None:
    """The OCR confidence of text at ``location``, or None if it was not read by OCR."""
    match = _PART.fullmatch(location.part or "")
    return int(match.group(1)) / 100 if match else None


def ocr_score(score: float, location: Location) -> float:
    confidence = ocr_confidence(location)
    if confidence is None or confidence >= TRUSTED:
        return score
    return score * confidence / TRUSTED
