"""What the three Office Open XML formats share: parts, relationships, embedded files."""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Any

from dlp.extract.context import Context, Item
from dlp.extract.images import document_images
from dlp.extract.inflate import isal_zlib, open_member
from dlp.extract.members import check_member, extract_members
from dlp.extract.xmlparse import iterparse, local, release, small_tree_elements
from dlp.model import Location, Segment

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


# A part stored in fewer bytes than this is inflated by zipfile alone: setting ISA-L up costs
# more than it saves on a workbook's or relationships' few hundred bytes (some 3 us a part).
_SMALL_DEFLATED = 1024


def open_part(archive: zipfile.ZipFile, name: str, ctx: Context) -> IO[bytes]:
    """The part's bytes as a stream, after the member checks (``check_member``); inflated
    by ISA-L (``open_member``), which reads exactly what zipfile does, unless it is small."""
    info = archive.getinfo(name)
    check_member(info, ctx, ctx.limits.max_file_bytes)
    if info.compress_size < _SMALL_DEFLATED:
        return archive.open(info)
    return open_member(archive, info)


# The local header's fixed part; its flags, and the flags that make zipfile read a member
# another way (encrypted, compressed patched data, strong encryption): those are streamed.
_LOCAL_HEADER = 30
_LOCAL_MAGIC = b"PK\x03\x04"
_OTHERWISE_READ = 0x1 | 0x20 | 0x40
_UTF8_NAME = 0x800


def read_whole(archive: zipfile.ZipFile, name: str, ctx: Context, most: int) -> bytes | None:
    """The part's bytes inflated in one piece, after the member checks (``check_member``),
    when it is stored or deflated, not encrypted, at most ``most`` bytes, and reads back
    exactly as zipfile would read it (its local header's name, its size, its CRC-32, a
    deflate stream that ends where the member does); None otherwise, and the caller streams
    it (``open_part``), which reads or raises as it always did. A stream cost some tens of
    microseconds a part in zipfile's layers of reads: a workbook has a few parts and sheets
    of tens of kilobytes, read whole all the same."""
    info = archive.getinfo(name)
    check_member(info, ctx, ctx.limits.max_file_bytes)
    kind = info.compress_type
    if (
        info.file_size > most
        or info.flag_bits & _OTHERWISE_READ
        or kind not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ):
        return None
    source: Any = archive.fp
    if source is None or getattr(archive, "_writing", False):
        return None
    try:
        with archive._lock:  # type: ignore[attr-defined]  # (zipfile's own, for its readers)
            source.seek(info.header_offset)
            header = source.read(_LOCAL_HEADER)
            if len(header) != _LOCAL_HEADER or header[:4] != _LOCAL_MAGIC:
                return None
            flags, name_length, extra_length = struct.unpack("<H18xHH", header[6:])
            rest = source.read(name_length + extra_length + info.compress_size)
    except Exception:  # (streamed, to fail as it always did)
        return None
    if len(rest) != name_length + extra_length + info.compress_size:
        return None
    try:
        written = rest[:name_length].decode(
            "utf-8"
            if flags & _UTF8_NAME
            else (getattr(archive, "metadata_encoding", None) or "cp437")
        )
    except UnicodeDecodeError:
        return None
    if written != info.orig_filename:
        return None
    raw = memoryview(rest)[name_length + extra_length :]
    if kind == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            return None
        data = bytes(raw)
    else:
        inflating = isal_zlib if isal_zlib is not None and len(raw) >= _SMALL_DEFLATED else zlib
        try:
            inflater: Any = inflating.decompressobj(-zlib.MAX_WBITS)
            data = inflater.decompress(raw, info.file_size + 1)
        except Exception:
            return None
        if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
            return None
    if len(data) != info.file_size:
        return None
    checksum = isal_zlib.crc32(data) if isal_zlib is not None else zlib.crc32(data)
    return data if checksum == info.CRC else None


def relationships(archive: zipfile.ZipFile, part: str, ctx: Context) -> dict[str, str]:
    """Relationship id -> the target part's name in the zip, for one part."""
    folder, filename = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", filename + ".rels")
    if rels_name not in archive.NameToInfo:
        return {}
    return relationship_targets(tagged(archive, rels_name, PKG_REL, ctx), folder)


def relationship_targets(elements: Iterable[Any], folder: str) -> dict[str, str]:
    """Relationship id -> the target part's name in the zip, from a rels part's elements,
    its part in ``folder`` (external targets left out)."""
    targets: dict[str, str] = {}
    for element in elements:
        target = element.get("Target", "")
        if element.get("TargetMode") != "External" and target:
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            targets[element.get("Id", "")] = resolved
    return targets


# A part up to this size is parsed whole (``small_tree_elements``), a larger one streamed.
_SMALL_PART = 64 * 1024


def tagged(archive: zipfile.ZipFile, name: str, tag: str, ctx: Context) -> Iterator[Any]:
    """The elements named ``tag`` of part ``name``, as ``iterparse`` gives them (each
    released once the caller is done with it), and raising what it raises."""
    info = archive.getinfo(name)
    if info.file_size <= _SMALL_PART:
        with open_part(archive, name, ctx) as stream:
            try:
                data = stream.read(_SMALL_PART + 1)
            except Exception:  # (read again below, to raise as ``iterparse`` raised it)
                data = b""
        found = small_tree_elements(data, tag) if 0 < len(data) <= _SMALL_PART else None
        if found is not None:
            yield from found
            return
    with open_part(archive, name, ctx) as stream:
        for _, element in iterparse(stream, tags=[tag]):
            yield element
            release(element)


def embedded(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Item]:
    """Files embedded in the document (a spreadsheet pasted into a letter) are read too, and
    its pictures by OCR (a scanned form pasted in)."""
    infos = [
        info for info in archive.infolist() if "/embeddings/" in info.filename and not info.is_dir()
    ]
    yield from extract_members(archive, infos, location, ctx)
    yield from document_images(archive, location, ctx)


# Parts around the main text that people write in: document properties (title, subject,
# comments), charts' cached labels and values, drawings' text boxes, SmartArt.
_LOOSE_PARTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"docProps/(core|custom)\.xml"), "properties"),
    (re.compile(r"(word|xl|ppt)/charts/chart\d*\.xml"), "chart"),
    (re.compile(r"(word|xl|ppt)/drawings/drawing\d*\.xml"), "drawing"),
    (re.compile(r"(word|xl|ppt)/diagrams/data\d*\.xml"), "diagram"),
)


def loose_text(archive: zipfile.ZipFile, location: Location, ctx: Context) -> Iterator[Segment]:
    names = sorted(archive.NameToInfo)
    for pattern, label in _LOOSE_PARTS:
        for name in names:
            if pattern.fullmatch(name):
                ctx.check_time()
                lines: list[str] = []
                with open_part(archive, name, ctx) as stream:
                    for _, element in iterparse(stream):
                        if element.text and element.text.strip():
                            lines.append(element.text.strip())
                        release(element)
                if lines:
                    yield Segment("\n".join(lines), location.with_detail(part=label))


def joined(pieces: list[str], location: Location) -> Iterator[Segment]:
    """A part's pieces of text as one segment, unless they are only white space."""
    text = "".join(pieces)
    if text.strip():
        yield Segment(text, location)


def text_of(element: object) -> str:
    """All text below an element, for small elements such as a shared string."""
    return "".join(element.itertext())  # type: ignore[attr-defined]


__all__ = ["embedded", "iterparse", "local", "open_part", "relationships", "release", "text_of"]
