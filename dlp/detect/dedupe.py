"""Presidio's rule for duplicate and contained results, on the detector's own matches.

``EntityRecognizer.remove_duplicates`` works on ``RecognizerResult`` objects, whose hash
formats an f-string of every field: made and hashed for every match of a text dense with
findings (a gradebook, a roster), that was a tenth of a finding's cost. This is the same rule
on ``RawMatch``: the first of equal matches (type, span, score) kept, a match dropped when
another of its type contains it with a score at least its own, zero scores dropped, and the
same order out (highest score first, then start, then the longer). ``tests/detect`` holds it
to Presidio's with Hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from dlp.detect.matches import RawMatch

# (entity type, start), made in C: ``_apart``'s order.
_type_and_start = attrgetter("entity_type", "start")
# The start alone (an int, no tuple made or compared): ``_apart_in_place``'s order.
_start = attrgetter("start")


def _grouping(match: RawMatch) -> tuple[str, int, int, float]:
    return (match.entity_type, match.start, match.start - match.end, -match.score)


def _ranking(match: RawMatch) -> tuple[float, int, int]:
    return (-match.score, match.start, match.start - match.end)


def remove_duplicates(matches: Iterable[RawMatch], ranked: bool = True) -> list[RawMatch]:
    """The matches Presidio's rule keeps, in its order; with ``ranked`` false, the same set of
    matches in no particular order, for a caller that puts them in its own (``Scanner.scan``:
    the text's). Ordered by (start, end, type), both give one list: no two kept share a type
    and span, as a second of the same span has a score no higher than the first's and is
    contained in it. Only a score that is not a number (no order) can keep two; any such
    score, or a zero, and the matches are ranked anyway.

    Unranked, the matches are sorted by their start alone and, when they are apart
    (``_apart_in_place``), given back so: the caller's sort by (start, end, type) then finds
    them in its order. Sorted by (type, start) for ``_apart``, then by the text's order by
    the caller, they cost 0.29 us a match; by start, 0.19 (the dense corpus's 170k matches,
    whose kept matches never overlap).

    Equal matches need no pass of their own when every score is a number: sorted, the first
    of them comes first (the sort is stable) and contains the others with a score as high,
    which the rule then drops, as Presidio's set would have. A score that is not a number is
    equal to nothing, so those go the longer way (``_keyed``), which sets them apart by their
    text as Presidio's results are."""
    given = matches if isinstance(matches, list) else list(matches)
    if not ranked:
        in_place = sorted(given, key=_start)
        if _apart_in_place(in_place):
            return in_place
        # (``_apart`` would say no as well: the same test on each type's matches)
        return _unapart(given, ranked)
    ordered = sorted(given, key=_type_and_start)
    if _apart(ordered):
        # No two of a type overlap, none is empty, every score a number but zero (most texts,
        # a packed sheet's cells): the rule keeps them all, and this is ``_grouping``'s order
        # (no two share a type and a start).
        ordered.sort(key=_ranking)
        return ordered
    return _unapart(given, ranked)


def _unapart(given: list[RawMatch], ranked: bool) -> list[RawMatch]:
    """``remove_duplicates`` of matches that are not all apart: the rule's full pass."""
    thinned = _thinned(sorted(given, key=_grouping), True)
    if thinned is None:
        return _keyed(given, ranked)
    kept, zero = thinned
    if ranked or zero:
        kept.sort(key=_ranking)
    return kept


def _apart(ordered: list[RawMatch]) -> bool:
    """Whether the matches, sorted by type and start, are each non-empty, with a score that is
    a number other than zero, and none overlaps another of its type: then no match contains
    another, none is equal to another, and the rule keeps every one. One look at each, where
    ``_thinned`` keeps a list of those a match may be inside (and the sort by ``_grouping``
    calls a function per match)."""
    entity_type = None
    reach = 0
    for match in ordered:
        score = match.score
        start = match.start
        # (``not score``: a zero; ``score == 0`` compared a float with an int, the slow way)
        if score != score or not score or start >= match.end:
            return False
        # The same type is most often the same object (the recognizers' constants): one
        # identity test, and the comparison only when they differ.
        if match.entity_type is not entity_type:
            if match.entity_type != entity_type:
                entity_type = match.entity_type
            elif start < reach:
                return False
        elif start < reach:
            return False
        reach = match.end
    return True


def _apart_in_place(ordered: list[RawMatch]) -> bool:
    """``_apart`` on the matches sorted by start alone (stably: each type's matches are in
    the order ``_apart`` sees them). While no match overlaps the one before, the one before
    reaches furthest, and none overlaps another of any type (the dense corpus's matches): one
    test a match. At the first that does, each type's own reach is followed instead."""
    reach = 0
    for match in ordered:
        score = match.score
        start = match.start
        end = match.end
        # (``not score``: a zero; ``score == 0`` compared a float with an int, the slow way)
        if score != score or not score or start >= end:
            return False
        if start < reach:
            return _apart_by_type(ordered)
        reach = end
    return True


def _apart_by_type(ordered: list[RawMatch]) -> bool:
    """``_apart_in_place`` where matches of two types overlap: each type's furthest reach."""
    reaches: dict[str, int] = {}
    for match in ordered:
        score = match.score
        start = match.start
        end = match.end
        if score != score or not score or start >= end:
            return False
        entity_type = match.entity_type
        if start < reaches.get(entity_type, 0):
            return False
        reaches[entity_type] = end
    return True


def _thinned(ordered: list[RawMatch], numbers_only: bool) -> tuple[list[RawMatch], bool] | None:
    """The rule on matches sorted by ``_grouping``: those no other of its type contains with
    a score at least its own, zero scores dropped; and whether there was a zero. None, with
    ``numbers_only``, at a score that is not a number (equal to nothing, so equal matches
    would not be dropped as contained: the caller sets those apart first)."""
    kept: list[RawMatch] = []
    active: list[RawMatch] = []
    # The furthest end among ``active`` (or past it): a match that starts beyond it overlaps
    # none of them, the common case, settled without walking them.
    reach = -1
    entity_type = None
    zero = False
    for match in ordered:
        if match.entity_type != entity_type:
            entity_type, active, reach = match.entity_type, [], -1
        score = match.score
        if score == 0:
            zero = True
            continue
        if score != score and numbers_only:
            return None
        start, end = match.start, match.end
        if reach < start:
            active = [match]
            reach = end
            kept.append(match)
            continue
        # Only results that reach this one can contain it.
        active = [other for other in active if other.end >= start]
        if any(
            start >= other.start and end <= other.end and score <= other.score for other in active
        ):
            continue
        kept.append(match)
        active.append(match)
        if end > reach:
            reach = end
    return kept, zero


def _keyed(matches: Iterable[RawMatch], ranked: bool) -> list[RawMatch]:
    """``remove_duplicates`` with equal matches found by a key first: the way for scores that
    are not numbers."""
    # Presidio's results are equal by these fields and hashed by their text (so 1 and 1.0,
    # or 0.0 and -0.0, are two results there): the score's text keeps that. A score that is
    # not zero and not NaN has the same text as another exactly when it has the same value
    # and type; that pair is the key then (formatting a float at every match showed).
    unique: dict[tuple[object, ...], RawMatch] = {}
    unordered = False  # a score that is not a number (or a zero: no need to tell them apart)
    for match in matches:
        score = match.score
        if score == score and score:
            key: tuple[object, ...] = (
                match.entity_type,
                match.start,
                match.end,
                score,
                score.__class__,
            )
        else:
            key = (match.entity_type, match.start, match.end, str(score))
            unordered = True
        unique.setdefault(key, match)
    thinned = _thinned(sorted(unique.values(), key=_grouping), False)
    assert thinned is not None  # (only a caller asking for numbers only is refused)
    kept = thinned[0]
    if ranked or unordered:
        kept.sort(key=_ranking)
    return kept
