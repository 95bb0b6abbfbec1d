"""Bytes to text when the declared charset may be missing, unknown or wrong: never fails."""

from __future__ import annotations

import codecs

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Single-byte charsets decode almost anything, so they are no evidence of being right; mail
# that says latin-1 but is really UTF-8 is common, so UTF-8 gets tried before these.
# Held as the names codecs.lookup gives ("iso8859-1", not "latin_1"), which codec_name returns.
_LAX = frozenset(
    codecs.lookup(label).name for label in ("ascii", "latin-1", "cp1252", "iso-8859-15", "cp437")
)


def codec_name(label: str | None) -> str | None:
    """Python's name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("x-user-defined", "unknown-8bit", "x-unknown", "default"):
        return None
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def bom_codec(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def guess_codec(sample: bytes, declared: str | None = None, whole: bool = False) -> str:
    """The codec to read content with, judged from a sample of its first bytes (or, with
    ``whole``, from all of it: then a multi-byte character cut off at the end is an error)."""
    bom = bom_codec(sample)
    if bom:
        return bom
    name = codec_name(declared)
    if name and name not in _LAX and _decodes(sample, name, whole):
        return name
    if _decodes(sample, "utf-8", whole):
        return "utf-8"
    if name and _decodes(sample, name, whole):
        return name
    return "cp1252"


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode with the best guess; bytes no charset explains become U+FFFD, never an error."""
    codec = guess_codec(data, declared, whole=True)
    return data.decode(codec, errors="replace")


def _decodes(sample: bytes, codec: str, whole: bool) -> bool:
    try:
        # A sample may end inside a multi-byte character: judge it as an incremental decoder.
        codecs.getincrementaldecoder(codec)("strict").decode(sample, final=whole)
    except (UnicodeDecodeError, LookupError, ValueError):
        return False
    return True
