"""RTF documents through striprtf, and Outlook's compressed RTF ([MS-OXRTFCP])."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

from striprtf.striprtf import rtf_to_text

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.plaintext import text_segments
from dlp.extract.source import Source
from dlp.model import Location, Unscannable, UnscannableReason

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
# Embedded pictures and objects are long runs of hex digits: no text, and slow to strip.
_BINARY_GROUP = re.compile(
    rb"\{\\\*?\\?(pict|objdata|bin|blipuid|themedata|colorschememapping|datastore)[^{}]*\}"
)

# striprtf drops these groups as "destinations", but their text leaves with the file just the
# same: renaming the control word to one it does not know makes it keep their text.
_KEPT_GROUPS = re.compile(
    rb"(?:\\\*)?\\(header[flr]?|footer[flr]?|footnote|annotation|dptxbxtext|shptxt|ffdeftext"
    rb"|title|subject|keywords|doccomm|comment)(?![a-z])"
)

_PREBUFFER = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    b"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_COMPRESSED = 0x75465A4C  # "LZFu"
_UNCOMPRESSED = 0x414C454D  # "MELA"


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    data = source.read_all()
    yield from text_segments(rtf_text(data), location, ctx)
    opened = data.count(b"{") - data.count(b"\\{")
    closed = data.count(b"}") - data.count(b"\\}")
    if opened > closed:
        yield Unscannable(
            location, UnscannableReason.CORRUPT, "the RTF ends before its groups close: truncated"
        )


def rtf_text(data: bytes) -> str:
    match = _CODEPAGE.search(data[:4096])
    codepage = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        "".encode(codepage)
    except LookupError:
        codepage = "cp1252"
    stripped = _KEPT_GROUPS.sub(rb"\\dlpkept", _BINARY_GROUP.sub(b"", data))
    text: str = rtf_to_text(stripped.decode("latin-1"), encoding=codepage, errors="replace")
    return text


def decompress(data: bytes, max_bytes: int) -> bytes:
    """Outlook's LZ77 variant: a 4 KiB ring buffer primed with common RTF words."""
    if len(data) < 16:
        raise LimitExceeded(UnscannableReason.CORRUPT, "compressed RTF body is truncated")
    compressed_size, raw_size, magic, _crc = struct.unpack_from("<IIII", data, 0)
    if magic == _UNCOMPRESSED:
        return data[16 : 16 + raw_size]
    if magic != _COMPRESSED:
        raise LimitExceeded(UnscannableReason.CORRUPT, "unknown compressed RTF format")
    ring = bytearray(4096)
    ring[: len(_PREBUFFER)] = _PREBUFFER
    write = len(_PREBUFFER)
    out = bytearray()
    position, end = 16, min(len(data), compressed_size + 4)
    limit = min(raw_size, max_bytes)
    while position < end and len(out) < limit:
        control = data[position]
        position += 1
        for bit in range(8):
            if position >= end:
                break
            if control & (1 << bit):
                if position + 2 > end:
                    break
                word = (data[position] << 8) | data[position + 1]
                position += 2
                offset, length = word >> 4, (word & 0xF) + 2
                if offset == write:
                    return bytes(out)
                for _ in range(length):
                    byte = ring[offset]
                    out.append(byte)
                    ring[write] = byte
                    write, offset = (write + 1) & 0xFFF, (offset + 1) & 0xFFF
            else:
                byte = data[position]
                position += 1
                out.append(byte)
                ring[write] = byte
                write = (write + 1) & 0xFFF
    return bytes(out)
