"""``ShownLocations`` writes a location exactly as ``renamed(...).masked(...)`` does, whatever
the names that held findings and however they change between locations."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.naming import ShownLocations, shown_path
from dlp.identifiers import FILE_NAME, renamed
from dlp.model import Location, mask_name

# Few distinct names, so that paths share prefixes and names repeat at other depths.
_NAME = st.sampled_from(["a", "b", "536-22-1234", "x@example.org", "/ 2 /", "", "-"])
# Paths and the names' keys from fewer, so that a name often is one of a location's.
_FOLDER = st.sampled_from(["a", "536-22-1234", "x@example.org"])
_PATHS = st.lists(_FOLDER, max_size=3).map(tuple)
_OPTIONAL = st.none() | _NAME
_LOCATIONS = st.builds(
    Location,
    path=_PATHS,
    part=st.none() | st.sampled_from([FILE_NAME, "body", "1234 5678"]),
    page=st.none() | st.integers(0, 3),
    sheet=_OPTIONAL,
    row=st.none() | st.integers(0, 3),
    column=_OPTIONAL,
    cell=st.none() | st.sampled_from(["B12", "A1"]),
)
_NAMES = st.dictionaries(st.lists(_FOLDER, min_size=1, max_size=3).map(tuple), _NAME, max_size=3)


@given(st.lists(st.tuples(_NAMES, st.lists(_LOCATIONS, max_size=4)), max_size=4))
def test_as_renamed_then_masked(
    steps: list[tuple[dict[tuple[str, ...], str], list[Location]]],
) -> None:
    shown = ShownLocations(mask_name)
    names: dict[tuple[str, ...], str] = {}
    for added, locations in steps:
        shown.add(added)
        names.update(added)
        assert shown.names == names
        for location in locations * 2:  # (the second time from what it remembered)
            assert shown(location) == renamed(location, names).masked(mask_name)


@given(_PATHS, _NAMES)
def test_shown_path_with_a_remembering_mask(
    path: tuple[str, ...], names: dict[tuple[str, ...], str]
) -> None:
    masked: dict[str, str] = {}

    def remembering(name: str) -> str:
        return masked.setdefault(name, mask_name(name))

    drive = path[1:]
    assert shown_path(path, drive, names, remembering) == shown_path(path, drive, names)
