"""Cut and bit-flipped copies of real 7z, RAR, TNEF and iWork files: text or a reason, never
an exception, and a cut file is never a silent pass."""

from __future__ import annotations

import io
from pathlib import Path

import py7zr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.extract.makers import from_bytes, well_formed

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = (
    "rar/test-documents.rar",
    "rar/rar5-solid.rar",
    "tnef/testWINMAIL.dat",
    "iwork/testPages2013.pages",
    "iwork/testKeynote2018.key",
    "iwork/issue-18.numbers",
)


def _seven() -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(b"Student ID 4481902, IEP review " * 50, "notes.txt")
        archive.writestr((DATA / "tnef/testWINMAIL.dat").read_bytes(), "winmail.dat")
    return buffer.getvalue()


SAMPLES = {name: (DATA / name).read_bytes() for name in FILES} | {"bundle.7z": _seven()}
NAMES = sorted(SAMPLES)
_damage = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_damage
@given(pick=st.sampled_from(NAMES), fraction=st.floats(0.02, 0.98))
def test_cut_files_give_text_or_a_reason(pick, fraction):
    data = SAMPLES[pick]
    # Past the magic bytes (fewer are not recognisable as the format at all).
    cut = max(16, int(len(data) * fraction))
    segments, reasons = from_bytes(data[:cut], Path(pick).name)
    well_formed([*segments, *reasons])
    if pick.endswith(".dat") and cut in _tnef_object_ends(data):
        return  # TNEF has no end marker or object count: a cut between objects is whole
    assert reasons, pick  # something is missing, and it is said


def _tnef_object_ends(data: bytes) -> set[int]:
    ends, position = set(), 6
    while position + 9 <= len(data):
        position += 11 + int.from_bytes(data[position + 5 : position + 9], "little")
        ends.add(position)
    return ends


@_damage
@given(
    pick=st.sampled_from(NAMES),
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8
    ),
)
def test_bit_flipped_files_never_raise(pick, flips):
    data = bytearray(SAMPLES[pick])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    segments, reasons = from_bytes(bytes(data), Path(pick).name)
    well_formed([*segments, *reasons])
