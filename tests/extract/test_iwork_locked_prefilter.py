"""``iwork.is_locked_iwork09`` tells zips apart as before its quick look at the names."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from dlp.extract import iwork


def _reference(infos: list[zipfile.ZipInfo]) -> bool:
    names = {PurePosixPath(info.filename).name for info in infos}
    if not names & {"buildVersionHistory.plist", "BuildVersionHistory.plist"}:
        return False
    return any(
        PurePosixPath(info.filename).name in iwork._IWORK09_INDEXES
        and info.compress_type not in iwork._ZIP_METHODS
        for info in infos
    )


PARTS = ["a", "dir/", "./", "/", "//", "buildVersionHistory.plist", "BuildVersionHistory.plist"]
PARTS += ["uildVersionHistory.plist", "index.xml", "index.apxl.gz", "Index.zip", "."]
NAMES = st.lists(st.sampled_from(PARTS), min_size=1, max_size=4).map("".join)


@given(st.lists(st.tuples(NAMES, st.sampled_from([0, 8, 12, 14, 99])), max_size=5))
def test_locked_iwork09_is_told_as_before(members):
    infos = []
    for name, method in members:
        info = zipfile.ZipInfo(name)
        info.compress_type = method
        infos.append(info)
    assert iwork.is_locked_iwork09(infos) is _reference(infos)
