"""``sniff`` tells every head and name as its plainer first form did: one magic at a time, the
"%PDF-" looked for in a copy of the first 1024 bytes, the name's extension parsed each time."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sniff as sniffing
from dlp.extract.sniff import _EXTENSIONS, _MAGIC, UNSUPPORTED_MAGIC, Kind


def _reference(head: bytes, name: str) -> Kind:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind is Kind.IMAGE and magic == b"BM" and not sniffing._looks_like_bmp(head):
                continue
            if (
                kind is Kind.IMAGE
                and magic == b"\x00\x00\x01\x00"
                and not name.lower().endswith(".ico")
            ):
                continue
            return kind
    if b"%PDF-" in head[:1024]:
        return Kind.PDF
    if len(head) > 262 and head[257:262] == b"ustar":
        return Kind.TAR
    if head[4:8] == b"ftyp":
        return Kind.IMAGE if sniffing._ftyp_brands(head) & sniffing._IMAGE_BRANDS else Kind.MEDIA
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP",):
        return Kind.IMAGE
    if head.startswith(b"RIFF"):
        return Kind.MEDIA
    for magic, _ in UNSUPPORTED_MAGIC:
        if head.startswith(magic) and (magic != b"MZ" or len(head) >= 64):
            return Kind.UNSUPPORTED
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    return sniffing._sniff_text(head)


PREFIXES = [magic for magic, _ in _MAGIC] + [magic for magic, _ in UNSUPPORTED_MAGIC]
PREFIXES += [b"", b"RIFF", b"RIFF\0\0\0\0WEBP", b"\0\0\0\x18ftypheic", b"PK", b"B", b"%PDF-"]
SUFFIXES = [*_EXTENSIONS, ".ico", ".ICO", ".CSV", "", ".", ".tar.gz", "/", "/.", ".csv/"]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(PREFIXES),
    st.binary(max_size=40),
    st.integers(0, 1100),
    st.booleans(),
    st.sampled_from(["", "a", "old/Notes", ".hidden", "a.b", "dir.x/", "A B"]),
    st.sampled_from(SUFFIXES),
)
def test_sniff_tells_heads_as_before(prefix, tail, pdf_at, pdf, stem, suffix):
    head = prefix + tail
    if pdf:
        head = head.ljust(pdf_at, b" ")[:pdf_at] + b"%PDF-" + tail
    name = stem + suffix
    assert sniffing.sniff(head, name) is _reference(head, name)
