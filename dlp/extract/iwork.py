"""Apple iWork files (Pages, Numbers, Keynote, 2013 on): zips of ``Index/*.iwa`` files.

An IWA file is a run of Snappy chunks (Apple's framing: a zero byte and a 3-byte length before
each raw Snappy block, no stream header), and the decompressed bytes are protobuf messages,
each after a length-prefixed ``ArchiveInfo`` that gives the lengths of its payloads. Apple's
message schemas are not public, so the text is read generically: every length-delimited field
that is valid, printable UTF-8 is text, and every other one is tried as a nested message.
That finds the typed words of a Pages body, a Keynote slide or note, and a Numbers cell
(whose strings live in the table's string list), alongside style and font names, which
are harmless to scan.

Some writers zip the package folder itself (``Name.key/Index.zip``): the inner ``Index.zip``
is opened as a member, under the same limits. Files under ``Data/`` (pictures, attached
files) are extracted as members; previews are renders of the document and are skipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import PurePosixPath

import cramjam

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded, Limits
from dlp.extract.members import (
    check_member,
    each_member,
    extract_members,
    is_encrypted,
    too_many,
)
from dlp.extract.plaintext import text_segments
from dlp.extract.source import spool
from dlp.model import Location, Unscannable, UnscannableReason

# Protobuf nests rarely deeper than this in IWA; deeper "messages" are misread strings.
_MAX_NESTING = 24
_PACKAGE_FOLDERS = ("Metadata/", "QuickLook/")
_HISTORY = "uildVersionHistory.plist"
_IWORK09_INDEXES = frozenset({"index.xml", "index.xml.gz", "index.apxl", "index.apxl.gz"})
_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


def is_iwork(names: set[str]) -> bool:
    """Index/*.iwa files, or a zipped package folder: its Index.zip beside its Metadata/."""
    return any(_is_iwa(name) for name in names) or (
        any(_is_index_zip(name) for name in names) and any("Metadata/" in name for name in names)
    )


def is_locked_iwork09(infos: list[zipfile.ZipInfo]) -> bool:
    """A password-protected iWork '09 file (XML inside, before IWA): its encryption garbles
    the main entry's compression method, as Tika also relies on. An unlocked one is a plain
    zip of XML and is read as one."""
    # The history's name is in the member's path as written wherever it is its name: most
    # zips are told apart by this look alone, without a path parsed for each member.
    if not any(_HISTORY in info.filename for info in infos):
        return False
    names = {PurePosixPath(info.filename).name for info in infos}
    if not names & {"buildVersionHistory.plist", "BuildVersionHistory.plist"}:
        return False
    return any(
        PurePosixPath(info.filename).name in _IWORK09_INDEXES
        and info.compress_type not in _ZIP_METHODS
        for info in infos
    )


def extract(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    infos = archive.infolist()
    if any(is_encrypted(info) for info in infos if _is_iwa(info.filename)) or any(
        PurePosixPath(info.filename).name == ".iwpv2" for info in infos
    ):
        yield Unscannable(location, UnscannableReason.ENCRYPTED, "password-protected iWork file")
        return
    # Anything that is not the package's own (pictures under Data/, or other files zipped
    # with the document) is extracted as a member, so nothing is dropped unread.
    others = []
    for count, info in enumerate(infos, start=1):
        excess = too_many(count, location, ctx)
        if excess is not None:
            yield excess
            return
        if _is_iwa(info.filename):
            yield from _iwa(archive, info, location, ctx)
        elif _is_index_zip(info.filename):
            yield from _inner_index(archive, info, location, ctx)
        elif not _is_package_part(info.filename):
            others.append(info)
    yield from extract_members(archive, others, location, ctx)


def _inner_index(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, location: Location, ctx: Context
) -> Iterator[Item]:
    check_member(info, ctx, ctx.limits.max_archive_bytes)
    with archive.open(info) as stream:
        index = spool(stream, info.filename, ctx.limits)
    try:
        with index.open() as raw, zipfile.ZipFile(raw) as inner:
            parts = partial(_iwa_only, inner, location, ctx)
            yield from each_member(inner.infolist(), location, ctx, parts)
    finally:
        index.close()


def _iwa_only(
    archive: zipfile.ZipFile, location: Location, ctx: Context, _: int, info: zipfile.ZipInfo
) -> Iterator[Item]:
    if _is_iwa(info.filename):
        yield from _iwa(archive, info, location, ctx)


def _iwa(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, location: Location, ctx: Context
) -> Iterator[Item]:
    ctx.check_time()
    check_member(info, ctx, ctx.limits.max_file_bytes)
    with archive.open(info) as stream:
        data = stream.read(ctx.limits.max_file_bytes + 1)
    # "Document", "Slide-2652176", "Tables/DataList-5": the part of the package it came from.
    where = location.with_detail(part=info.filename.split("Index/", 1)[-1].removesuffix(".iwa"))
    texts = list(iwa_texts(unsnappy(data, ctx.limits)))
    if texts:
        yield from text_segments("\n".join(texts), where, ctx)


def unsnappy(data: bytes, limits: Limits) -> bytes:
    """The decompressed bytes of an IWA file's Snappy chunks, within the size and ratio limits."""
    limit = limits.max_file_bytes
    out = bytearray()
    position = 0
    while position < len(data):
        if data[position] != 0 or position + 4 > len(data):
            raise LimitExceeded(UnscannableReason.CORRUPT, "damaged iWork data (bad chunk)")
        length = int.from_bytes(data[position + 1 : position + 4], "little")
        chunk = data[position + 4 : position + 4 + length]
        position += 4 + length
        # A raw Snappy block states its decompressed length first; refuse before inflating.
        if len(out) + _varint(chunk, 0)[0] > limit:
            raise LimitExceeded(
                UnscannableReason.TOO_LARGE, f"iWork data over the {limit:,}-byte limit"
            )
        out += bytes(cramjam.snappy.decompress_raw(chunk))
        if len(out) > limits.ratio_floor_bytes and len(out) / len(data) > limits.max_ratio:
            raise LimitExceeded(
                UnscannableReason.BOMB,
                f"iWork data expands more than {limits.max_ratio:g} times its compressed size",
            )
    return bytes(out)


def iwa_texts(data: bytes) -> Iterator[str]:
    """The text fields of the protobuf messages in decompressed IWA bytes."""
    position = 0
    while position < len(data):
        info_length, position = _varint(data, position)
        info = data[position : position + info_length]
        position += info_length
        for length in _payload_lengths(info):
            yield from _strings(data[position : position + length], 0)
            position += length


def _payload_lengths(info: bytes) -> list[int]:
    """ArchiveInfo: field 2 holds MessageInfo records, whose field 3 is a payload's length."""
    lengths = []
    for number, wire, value in _fields(info):
        if number == 2 and wire == 2 and isinstance(value, bytes):
            for inner_number, inner_wire, inner_value in _fields(value):
                if inner_number == 3 and inner_wire == 0 and isinstance(inner_value, int):
                    lengths.append(inner_value)
    return lengths


def _strings(message: bytes, depth: int) -> list[str]:
    found: list[str] = []
    for _number, wire, value in _fields(message):
        if wire != 2 or not isinstance(value, bytes) or not value:
            continue
        if value[0] in _PRINTABLE_TAGS and depth < _MAX_NESTING:
            # "\n" or '"' then a length byte: a nested message that reads as text too.
            try:
                found.extend(_strings(value, depth + 1))
                continue
            except _NotMessage:
                pass
        text = _as_text(value)
        if text is not None:
            found.append(text)
        elif depth < _MAX_NESTING:
            try:
                found.extend(_strings(value, depth + 1))
            except _NotMessage:
                continue
    return found


# Tags of length-delimited fields 1 and 4, the two that are printable characters.
_PRINTABLE_TAGS = frozenset({0x0A, 0x22})


class _NotMessage(ValueError):
    """These bytes do not parse as a protobuf message."""


def _fields(message: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    position = 0
    end = len(message)
    while position < end:
        key, position = _varint(message, position)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _NotMessage
        if wire == 0:
            value, position = _varint(message, position)
            yield number, wire, value
        elif wire == 2:
            length, position = _varint(message, position)
            if position + length > end:
                raise _NotMessage
            yield number, wire, message[position : position + length]
            position += length
        elif wire in (1, 5):
            position += 8 if wire == 1 else 4
            if position > end:
                raise _NotMessage
        else:
            raise _NotMessage


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise _NotMessage
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


# Paragraph and line separators and the object placeholder stand in a Pages text run.
_TEXT_CONTROLS = frozenset("\n\r\t\u2028\u2029\ufffc")


def _as_text(value: bytes) -> str | None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not any(ch.isalnum() for ch in text):
        return None
    if all(ch.isprintable() or ch in _TEXT_CONTROLS for ch in text):
        return text.replace("\ufffc", " ")
    return None


def _is_iwa(name: str) -> bool:
    return name.endswith(".iwa") and "Index/" in name


def _is_index_zip(name: str) -> bool:
    return name == "Index.zip" or name.endswith("/Index.zip")


def _is_package_part(name: str) -> bool:
    """Folders, metadata and previews (renders of the document itself) of the package."""
    base = PurePosixPath(name).name
    return (
        name.endswith("/")
        or any(part in name for part in _PACKAGE_FOLDERS)
        or base.startswith("preview")
        or base in (".iwpv2", ".iwph")
    )
