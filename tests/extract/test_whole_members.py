"""Small zip members and small streams read whole as bytes give the items the spool gave:
the same segments, the same reports (limits, damage), in the same order."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.extract import dispatch, members
from dlp.extract.celltable import cells_of
from dlp.extract.dispatch import extract_stream
from dlp.extract.limits import Limits
from dlp.model import Location, Segment, Unscannable
from tests.extract.makers import docx, zip_of

_CSV = st.builds(
    lambda rows: "\n".join(",".join(row) for row in rows).encode(),
    st.lists(st.lists(st.sampled_from(["Name", "ID", "", " ", "123-45-6789", 'a"b', "x" * 40]))),
)
_MEMBER = st.one_of(
    _CSV,
    st.binary(max_size=5_000),
    st.builds(docx, st.lists(st.text("abc 0123-\u00e9", max_size=30), max_size=5)),
    st.builds(lambda text: (text * 2_000).encode(), st.text(min_size=1, max_size=5)),
)
_LIMITS = st.builds(
    Limits,
    max_file_bytes=st.sampled_from([500, 20_000, 256 * 1024 * 1024]),
    ratio_floor_bytes=st.sampled_from([100, 1024 * 1024]),
    max_ratio=st.sampled_from([2.0, 100.0]),
    ocr=st.just(False),
)


def _seen(items: Iterable[Segment | Unscannable]) -> list[object]:
    """Each item as it compares: a packed segment with the cells it stands for."""
    out: list[object] = []
    for item in items:
        if isinstance(item, Segment) and item.cells is not None:
            out.append((item.text, item.location, [*cells_of(item)]))
        else:
            out.append(item)
    return out


def _extracted(data: bytes, limits: Limits, *, spooled: bool, stream: bool) -> list[object]:
    name = "Backup_1.zip"
    location = Location(path=(name,))
    with pytest.MonkeyPatch.context() as patch:
        if spooled:
            patch.setattr(members, "_READ_WHOLE", -1)
            patch.setattr(dispatch, "_READ_WHOLE", -1)
        if stream:
            spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
            spool.write(data)
            spool.seek(0)
            with spool:
                return _seen(extract_stream(spool, name, location, limits))
        return _seen(extract_stream(io.BytesIO(data), name, location, limits))


def _damaged(data: bytes, at: int) -> bytes:
    """One byte changed somewhere in the archive (members' data, headers, directory)."""
    if not data:
        return data
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contents=st.lists(_MEMBER, min_size=1, max_size=4),
    stored=st.booleans(),
    limits=_LIMITS,
    damage=st.none() | st.integers(0, 1 << 20),
    stream=st.booleans(),
)
def test_whole_members_read_as_spooled(
    contents: list[bytes], stored: bool, limits: Limits, damage: int | None, stream: bool
) -> None:
    names = ["a.csv", "b.docx", "c.txt", "d.csv"]
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    data = zip_of(dict(zip(names, contents, strict=False)), method)
    if damage is not None:
        data = _damaged(data, damage)
    expected = _extracted(data, limits, spooled=True, stream=stream)
    assert _extracted(data, limits, spooled=False, stream=stream) == expected


def test_nested_zip_read_as_spooled() -> None:
    inner = zip_of({"roster.csv": b"Name,SSN\nAda,123-45-6789\n", "n.docx": docx(["hello"])})
    outer = zip_of({"old/Backup_2.zip": inner, "x.csv": b"a,b\n1,2\n"})
    expected = _extracted(outer, Limits(ocr=False), spooled=True, stream=True)
    assert expected
    assert _extracted(outer, Limits(ocr=False), spooled=False, stream=True) == expected
