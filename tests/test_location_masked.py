"""``Location.masked`` writes the masked form itself: held to ``str`` of the location with its
names masked, as it was made before."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from dlp.model import Location, TextAt, mask_name

NAMES = st.text(alphabet="ab 12-@.x/", max_size=12)
MASKS: list[Callable[[str], str]] = [mask_name, str.upper, lambda name: "", lambda name: name]


def _as_before(location: Location, mask: Callable[[str], str]) -> str:
    return str(
        Location(
            path=tuple(map(mask, location.path)),
            part=mask(location.part) if location.part is not None else None,
            page=location.page,
            sheet=mask(location.sheet) if location.sheet is not None else None,
            row=location.row,
            column=mask(location.column) if location.column is not None else None,
            cell=location.cell,
        )
    )


@given(
    path=st.lists(NAMES, max_size=4).map(tuple),
    part=st.none() | NAMES,
    page=st.none() | st.integers(0, 9),
    sheet=st.none() | NAMES,
    row=st.none() | st.integers(0, 9),
    column=st.none() | NAMES,
    cell=st.none() | NAMES,
    text_at=st.none() | st.just(TextAt(3, 4, 20)),
    mask=st.sampled_from(MASKS),
)
def test_masked_is_the_masked_location_written(
    path: tuple[str, ...],
    part: str | None,
    page: int | None,
    sheet: str | None,
    row: int | None,
    column: str | None,
    cell: str | None,
    text_at: TextAt | None,
    mask: Callable[[str], str],
) -> None:
    location = Location(path, part, page, sheet, row, column, cell, text_at)
    assert location.masked(mask) == _as_before(location, mask)
    assert location.masked() == _as_before(location, mask_name)
