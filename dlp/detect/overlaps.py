"""Presidio's rule for results that repeat or contain one another, on our own matches.

``EntityRecognizer.remove_duplicates`` is what ``AnalyzerEngine.analyze`` applies last: equal
results (type, offsets and score) count once, the first one given; a zero score drops; and a
result goes when another of its type contains it with an equal or higher score. Here it is
without Presidio's objects, so that a scan does not import Presidio at all
(``tests/detect/test_overlaps.py`` holds the two to each other).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from dlp.detect.matches import RawMatch


def remove_duplicates(matches: Iterable[RawMatch]) -> list[RawMatch]:
    """The matches Presidio would keep, in its order: highest score first, then by start,
    longest first."""
    # Presidio's set() keeps the first of equal results (equal: type, offsets and score).
    unique = {(m.entity_type, m.start, m.end, m.score): m for m in reversed(list(matches))}
    ordered = sorted(
        unique.values(), key=lambda m: (m.entity_type, m.start, -(m.end - m.start), -m.score)
    )
    kept: list[RawMatch] = []
    for _, of_type in groupby(ordered, key=lambda m: m.entity_type):
        active: list[RawMatch] = []
        for match in of_type:
            if match.score == 0:
                continue
            # Only results still open at this start can contain it.
            active = [other for other in active if other.end >= match.start]
            if not any(
                match.start >= other.start and match.end <= other.end and match.score <= other.score
                for other in active
            ):
                kept.append(match)
                active.append(match)
    kept.sort(key=lambda m: (-m.score, m.start, -(m.end - m.start)))
    return kept
