"""``PreviewCut`` past its first candidate with no preview left (``closed``) answers each
match in one call: held to the cut as it was, which worked every answer out in full."""

from __future__ import annotations

from itertools import accumulate

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.candidates import CandidateLocations, PreviewCut
from dlp.extract.celltable import LocationsByIndex
from dlp.identifiers import FILE_NAME
from dlp.model import Location

SIZE = 6


class _AsBefore(PreviewCut):
    """The cut without ``closed``: ``_makes`` worked out at every ask."""

    __slots__ = ()

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return LocationsByIndex.__getitem__(self, index)

    def _makes(self, number: int) -> bool:
        if number == self.open:
            return True
        ahead = self.left - self.before[number] - self.accepted
        return (ahead - self._echoed(number) if self.echoes else ahead) > 0

    def take(self, entity_type: str, location: Location) -> bool:
        return self.take_for(self.owner[id(location)], entity_type, location)


def _cuts(
    names: list[bool],
    plain: list[bool],
    before: list[int],
    left: int,
    echoes: list[tuple[int, int]],
) -> tuple[PreviewCut, PreviewCut]:
    real = CandidateLocations()
    for number, name in enumerate(names):
        real.add(Location((f"{number}.csv",), part=FILE_NAME if name else None, row=number))
    # A name part is never a plain cell.
    plain = [flag and not name for flag, name in zip(plain, names, strict=True)]
    return (
        PreviewCut(real, plain, before, left, echoes),
        _AsBefore(real, plain, before, left, echoes),
    )


@given(
    matches=st.lists(
        st.tuples(st.integers(0, SIZE - 1), st.sampled_from(["US_SSN", "PHONE_NUMBER"])),
        max_size=40,
    ),
    in_order=st.booleans(),
    names=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    plain=st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    steps=st.lists(st.integers(0, 3), min_size=SIZE, max_size=SIZE),
    left=st.integers(0, 8),
    echoes=st.lists(st.tuples(st.integers(1, SIZE - 1), st.integers(0, SIZE - 1)), max_size=4),
)
def test_a_closed_cut_answers_as_before(
    matches: list[tuple[int, str]],
    in_order: bool,
    names: list[bool],
    plain: list[bool],
    steps: list[int],
    left: int,
    echoes: list[tuple[int, int]],
) -> None:
    """The scan asks each match's location, then ``take``, in the text's order (asked out
    of order too); ``before`` grows with the candidates, as ``remembered_before`` gives it."""
    if in_order:
        matches = sorted(matches, key=lambda match: match[0])
    before = list(accumulate(steps))
    # (the first candidate after the repeat, and the one it repeats, always before it)
    echoes = sorted((after, min(first, after - 1)) for after, first in echoes)
    cut, as_before = _cuts(names, plain, before, left, echoes)
    for number, entity_type in matches:
        location, expected = cut[number], as_before[number]
        assert location is expected
        assert cut.take(entity_type, location) == as_before.take(entity_type, expected)
        assert (cut.open, cut.accepted) == (as_before.open, as_before.accepted)
    assert cut.lists == as_before.lists
    assert cut.counts == as_before.counts
