"""RAR archives: rarfile reads the list of members, libarchive decompresses them.

rarfile parses RAR 4 and RAR 5 headers in Python: names, declared sizes and which members are
password-protected, so a member is refused on its declared sizes (``check_sizes``) and an
encrypted one is reported as such before anything is decompressed. rarfile cannot decompress
by itself: it runs ``unrar``, ``unar``, ``7z`` or ``bsdtar``, and on Debian the free ones are
all libarchive underneath (Debian's ``unrar`` is non-free, its 7-Zip has no RAR codec). So
libarchive is called in-process instead, through libarchive-c, and every member it
decompresses goes through the bounded spool (size, expansion ratio) as zip members do.

libarchive reads RAR 5 (solid too) and RAR 4, but not solid or encrypted RAR 4 archives:
those are ``unsupported`` with a reason. Where libarchive itself is missing, the archive is
``unsupported`` with what to install, never skipped in silence.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from types import ModuleType

import rarfile

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.members import (
    check_sizes,
    check_total,
    constant,
    dispatch_spooled,
    too_many,
)
from dlp.extract.source import Source, spool
from dlp.model import Location, Unscannable, UnscannableReason

_MISSING = (
    "RAR archives need the libarchive library to be read: install Debian's libarchive13"
    " (or set LIBARCHIVE to the library's path) beside the Python package libarchive-c"
)
# rarfile unpacks a RAR 4 (or older) archive's compressed comment while it reads the list of
# members, and only through an external program.
_COMMENT = (
    "a RAR 4 (or older) archive with a compressed comment: reading it needs an unrar or bsdtar"
    " program (install Debian's libarchive-tools)"
)
# Each part of a multi-volume archive travels as a file of its own; parts are not joined.
_VOLUME = "one part of a multi-volume RAR archive: its parts are not joined, so it is not read"
# libarchive's own words for what it cannot do (never copied into a report: matched only).
_UNSUPPORTED_WORDS = ("support unavailable", "not supported", "unsupported")
_ENCRYPTED_WORDS = ("encrypt", "passphrase", "password")


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        try:
            archive = rarfile.RarFile(raw, errors="strict")
        except rarfile.RarCannotExec:
            yield Unscannable(location, UnscannableReason.UNSUPPORTED, _COMMENT)
            return
        except rarfile.Error as error:
            if not isinstance(error, rarfile.NeedFirstVolume) and "volume" not in str(error):
                raise
            yield Unscannable(location, UnscannableReason.UNSUPPORTED, _VOLUME)
            return
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if archive.needs_password() and not infos:
            yield Unscannable(
                location,
                UnscannableReason.ENCRYPTED,
                "password-protected RAR archive (its list of files is encrypted too)",
            )
            return
    check_total(sum(info.file_size or 0 for info in infos), source.size, ctx)
    wanted: dict[str, int] = {}
    for count, info in enumerate(infos, start=1):
        excess = too_many(count, location, ctx)
        if excess is not None:
            yield excess
            break
        name = info.filename or f"member {count}"
        member = location.child(name)
        if info.needs_password():
            yield Unscannable(member, UnscannableReason.ENCRYPTED, "password-protected RAR member")
            continue
        try:
            check_sizes(info.file_size or 0, info.compress_size, ctx, ctx.limits.max_archive_bytes)
        except LimitExceeded as refused:
            yield Unscannable(member, refused.reason, refused.detail)
            continue
        wanted[name] = info.compress_size or 0
    if not wanted:
        return
    backend = libarchive_module()
    if backend is None:
        yield Unscannable(location, UnscannableReason.UNSUPPORTED, _MISSING)
        return
    yield from _decompressed(backend, source, wanted, location, ctx)


def _spooled(blocks: Iterator[bytes], name: str, compressed: int, ctx: Context) -> Source:
    return spool(_Blocks(blocks), name, ctx.limits, constant(compressed))


def _decompressed(
    backend: ModuleType, source: Source, wanted: dict[str, int], location: Location, ctx: Context
) -> Iterator[Item]:
    try:
        with source.open() as raw, backend.stream_reader(raw) as reader:
            for entry in reader:
                name = entry.pathname
                if name not in wanted or not entry.isfile:
                    continue
                ctx.next_member()
                spooled = partial(_spooled, entry.get_blocks(), name, wanted[name], ctx)
                yield from dispatch_spooled(spooled, location.child(name), ctx)
    except backend.ArchiveError as error:
        words = str(error).lower()
        if any(word in words for word in _ENCRYPTED_WORDS):
            yield Unscannable(location, UnscannableReason.ENCRYPTED, "password-protected RAR data")
        elif any(word in words for word in _UNSUPPORTED_WORDS):
            yield Unscannable(
                location,
                UnscannableReason.UNSUPPORTED,
                "a RAR feature libarchive cannot read (a solid RAR 4 archive, for one)",
            )
        else:
            raise


def libarchive_module() -> ModuleType | None:
    """libarchive-c, or None where the C library is missing (it is loaded on import)."""
    try:
        import libarchive
    except (ImportError, OSError, AttributeError):
        return None
    return libarchive


class _Blocks:
    """The blocks libarchive hands out, read as a stream."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._buffer = b""

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._buffer) < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._buffer += bytes(block)
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
