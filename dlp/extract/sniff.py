"""What kind of file some bytes are: magic bytes first, the name's extension second."""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from pathlib import PurePosixPath


class Kind(StrEnum):
    ZIP = "zip"  # also docx/xlsx/pptx/odf: told apart by their members
    OLE = "ole"  # also doc/xls/ppt/msg and encrypted Office: told apart by their streams
    PDF = "pdf"
    RTF = "rtf"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    TAR = "tar"
    SEVENZIP = "7z"
    RAR = "rar"
    TNEF = "tnef"  # Outlook's winmail.dat
    IMAGE = "image"
    MEDIA = "media"
    MBOX = "mbox"
    MESSAGE = "message"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    XML = "xml"
    HTML = "html"
    CALENDAR = "calendar"
    TEXT = "text"
    UNSUPPORTED = "unsupported"


CONTAINERS = frozenset(
    {Kind.ZIP, Kind.GZIP, Kind.BZIP2, Kind.XZ, Kind.TAR, Kind.SEVENZIP, Kind.RAR, Kind.MBOX}
)

_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"PK\x03\x04", Kind.ZIP),
    (b"PK\x05\x06", Kind.ZIP),
    (b"PK\x07\x08", Kind.ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind.OLE),
    (b"{\\rtf", Kind.RTF),
    (b"\x1f\x8b", Kind.GZIP),
    (b"BZh", Kind.BZIP2),
    (b"\xfd7zXZ\x00", Kind.XZ),
    (b"7z\xbc\xaf\x27\x1c", Kind.SEVENZIP),
    (b"Rar!\x1a\x07", Kind.RAR),  # RAR 4 ends in \x00, RAR 5 in \x01\x00
    (b"\x78\x9f\x3e\x22", Kind.TNEF),
    (b"\x89PNG", Kind.IMAGE),
    (b"\xff\xd8\xff", Kind.IMAGE),
    (b"GIF87a", Kind.IMAGE),
    (b"GIF89a", Kind.IMAGE),
    (b"II*\x00", Kind.IMAGE),
    (b"MM\x00*", Kind.IMAGE),
    (b"BM", Kind.IMAGE),
    (b"\x00\x00\x01\x00", Kind.IMAGE),  # .ico
    (b"ID3", Kind.MEDIA),
    (b"OggS", Kind.MEDIA),
    (b"fLaC", Kind.MEDIA),
    (b"\x1aE\xdf\xa3", Kind.MEDIA),  # matroska / webm
)

# Formats recognised only to say plainly why they are not read.
UNSUPPORTED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"!BDN", "Outlook .pst mail stores are not supported"),
    (b"MZ", "executable program"),
    (b"\x7fELF", "executable program"),
)

# ISO media files that hold still images (HEIF/HEIC from phones, AVIF); the rest are video.
# iPhones write "heic"; bursts and live photos "heis"/"hevc"/"msf1"; others "mif1".
_IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)

_EXTENSIONS: dict[str, Kind] = {
    ".eml": Kind.MESSAGE,
    ".mht": Kind.MESSAGE,
    ".mhtml": Kind.MESSAGE,
    ".msg": Kind.OLE,
    ".mbox": Kind.MBOX,
    ".mbx": Kind.MBOX,
    ".csv": Kind.CSV,
    ".tsv": Kind.TSV,
    ".tab": Kind.TSV,
    ".json": Kind.JSON,
    ".geojson": Kind.JSON,
    ".xml": Kind.XML,
    ".html": Kind.HTML,
    ".htm": Kind.HTML,
    ".xhtml": Kind.HTML,
    ".ics": Kind.CALENDAR,
    ".vcs": Kind.CALENDAR,
    ".ifb": Kind.CALENDAR,
    ".rtf": Kind.RTF,
    ".tar": Kind.TAR,
}

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)
_MAIL_HEADERS = re.compile(
    rb"^(received|return-path|from|to|subject|date|message-id|mime-version|delivered-to|"
    rb"x-[a-z-]+|content-type):",
    re.IGNORECASE | re.MULTILINE,
)


# Every magic at once: most heads (text, CSV) start with none, told so by one call rather
# than one ``startswith`` a magic.
_ANY_MAGIC = tuple(magic for magic, _ in _MAGIC)
_ANY_UNSUPPORTED = tuple(magic for magic, _ in UNSUPPORTED_MAGIC)


def sniff(head: bytes, name: str) -> Kind:
    """Classify by the first bytes of the content, falling back to the file name."""
    for magic, kind in _MAGIC if head.startswith(_ANY_MAGIC) else ():
        if head.startswith(magic):
            if kind is Kind.IMAGE and magic == b"BM" and not _looks_like_bmp(head):
                continue
            if (
                kind is Kind.IMAGE
                and magic == b"\x00\x00\x01\x00"
                and not name.lower().endswith(".ico")
            ):
                continue
            return kind
    if head.find(b"%PDF-", 0, 1024) >= 0:  # within the first 1024 bytes, none copied
        return Kind.PDF
    if len(head) > 262 and head[257:262] == b"ustar":
        return Kind.TAR
    if head[4:8] == b"ftyp":
        return Kind.IMAGE if _ftyp_brands(head) & _IMAGE_BRANDS else Kind.MEDIA
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP",):
        return Kind.IMAGE
    if head.startswith(b"RIFF"):
        return Kind.MEDIA
    if unsupported_reason(head) is not None:
        return Kind.UNSUPPORTED
    suffix = _suffix(name)
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    return _sniff_text(head)


@functools.lru_cache(maxsize=256)
def _suffix(name: str) -> str:
    """The name's extension, in lower case: a member is sniffed by its spool, then by its
    reader again, and a path's parsing took as long as the rest of ``sniff``."""
    return PurePosixPath(name.lower()).suffix


def unsupported_reason(head: bytes) -> str | None:
    if not head.startswith(_ANY_UNSUPPORTED):
        return None
    for magic, reason in UNSUPPORTED_MAGIC:
        if head.startswith(magic) and (magic != b"MZ" or _is_dos_executable(head)):
            return reason
    return None


def _is_dos_executable(head: bytes) -> bool:
    """A DOS or Windows program has a 64-byte header after "MZ": two letters alone ("MZ" in a
    text attachment) are text."""
    return len(head) >= 64


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO media file's ftyp box: a phone's HEIC photo
    may name a generic major brand and say it is an image only among the compatible ones."""
    size = min(int.from_bytes(head[0:4], "big"), len(head), 256)
    brands = {head[8:12]}
    brands.update(head[start : start + 4] for start in range(16, size - 3, 4))
    return brands


def _looks_like_bmp(head: bytes) -> bool:
    # "BM" is also how plenty of text starts; a real bitmap has a known DIB header size.
    return (
        len(head) >= 18 and head[14] in (12, 40, 52, 56, 64, 108, 124) and head[15:18] == b"\0\0\0"
    )


def _sniff_text(head: bytes) -> Kind:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Kind.TEXT
    if b"\x00" in head:
        return Kind.UNSUPPORTED
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = stripped[:512].lower()
    if lower.startswith(b"from ") and _MAIL_HEADERS.search(head[:4096]):
        return Kind.MBOX
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower:
        return Kind.HTML
    if lower.startswith(b"<?xml") or lower.startswith(b"<"):
        return Kind.XML
    if lower.startswith(b"begin:vcalendar"):
        return Kind.CALENDAR
    if stripped[:1] in (b"{", b"["):
        return Kind.JSON
    if _looks_like_message(stripped):
        return Kind.MESSAGE
    return Kind.TEXT


def _looks_like_message(head: bytes) -> bool:
    """A message starts with a block of header lines, several of them ones mail always has."""
    block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0][:8192]
    lines = [line for line in block.splitlines() if line and line[:1] not in (b" ", b"\t")]
    if len(lines) < 2:
        return False
    if not all(_HEADER_LINE.match(line) for line in lines):
        return False
    return len(_MAIL_HEADERS.findall(block)) >= 2
