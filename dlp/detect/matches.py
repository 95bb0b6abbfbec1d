"""The detector-internal form of a match, before it becomes a safe `Finding`."""

from __future__ import annotations

from dataclasses import dataclass

from dlp.frozen import quick_init, quick_new


@quick_init  # made once per match
@dataclass(frozen=True, slots=True)
class RawMatch:
    """A match with offsets into the scanned text. Lives only inside the detector."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str
    pattern: str
    context_words: tuple[str, ...] = ()
    subject: str | None = None  # roster person (keyed digest)
    directory_opt_out: bool = False


# ``RawMatch(...)`` for the places that make one per match (``dlp.frozen.quick_new``).
new_raw_match = quick_new(RawMatch)
