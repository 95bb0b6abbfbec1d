"""7-Zip archives, read with py7zr under the same bounds as zip members.

Each member is refused on its declared size first (``check_sizes``), the whole archive on the
sum of its members (``check_total``), and every byte py7zr writes out goes through a spool
that counts it against the one-file limit and the archive's running expansion ratio.

py7zr decompresses a solid block in one pass and hands each member's bytes to a writer that
the caller supplies; it cannot pause between members. So the members are spooled first (memory
for small ones, temporary files for big ones, all within the limits above) and extracted one
by one after. The archive is opened from a stream, never a path, which also keeps py7zr from
decompressing blocks in threads of its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

import py7zr
import py7zr.exceptions
import py7zr.io

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.members import check_sizes, check_total, too_many
from dlp.extract.source import HEAD_BYTES, Source, byte_limit, too_large
from dlp.model import Location, Unscannable, UnscannableReason

_SPOOL_IN_MEMORY = 8 * 1024 * 1024


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        try:
            archive = py7zr.SevenZipFile(raw, mode="r")
        except py7zr.exceptions.PasswordRequired:
            yield Unscannable(
                location,
                UnscannableReason.ENCRYPTED,
                "password-protected 7-Zip archive (its list of files is encrypted too)",
            )
            return
        with archive:
            yield from _members(archive, source.size, location, ctx)


def _members(
    archive: py7zr.SevenZipFile, size: int, location: Location, ctx: Context
) -> Iterator[Item]:
    infos = [info for info in archive.list() if not info.is_directory]
    check_total(sum(info.uncompressed for info in infos), size, ctx)
    encrypted = archive.needs_password()
    wanted: list[str] = []
    for count, info in enumerate(infos, start=1):
        excess = too_many(count, location, ctx)
        if excess is not None:
            yield excess
            break
        member = location.child(info.filename)
        if encrypted:
            yield Unscannable(
                member, UnscannableReason.ENCRYPTED, "password-protected 7-Zip member"
            )
            continue
        try:
            check_sizes(info.uncompressed, info.compressed, ctx, ctx.limits.max_archive_bytes)
        except LimitExceeded as refused:
            yield Unscannable(member, refused.reason, refused.detail)
            continue
        wanted.append(info.filename)
    if not wanted:
        return
    spools = _Spools(ctx, size)
    try:
        try:
            archive.extract(targets=wanted, factory=spools)
        except py7zr.exceptions.UnsupportedCompressionMethodError:
            yield Unscannable(
                location,
                UnscannableReason.UNSUPPORTED,
                "compressed with a 7-Zip method that is not supported",
            )
            return
        for spool in spools.done:
            member = location.child(spool.name)
            if spool.refused is not None:
                yield Unscannable(member, spool.refused.reason, spool.refused.detail)
                continue
            content = Source(spool.name, spool=spool.file, size=spool.size_now)
            yield from ctx.dispatch(content, member, ctx.nested())
    finally:
        for spool in spools.created:
            spool.file.close()


class _Spools(py7zr.io.WriterFactory):
    """Hands py7zr one bounded spool per member and keeps them, in archive order."""

    def __init__(self, ctx: Context, archive_size: int) -> None:
        self.ctx = ctx
        self.archive_size = archive_size
        self.written = 0  # by all members: the archive's running expansion
        self.created: list[_Spool] = []
        self.done: list[_Spool] = []  # complete, in archive order

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        self.ctx.lap()
        spool = _Spool(filename, self)
        self.created.append(spool)
        return spool


class _Spool(py7zr.io.Py7zIO):
    """One member's bytes, checked against the limits as they arrive."""

    def __init__(self, name: str, owner: _Spools) -> None:
        self.name = name
        self.owner = owner
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed as Source
            max_size=_SPOOL_IN_MEMORY
        )
        self.size_now = 0
        self.limit: int | None = None
        self.head = b""
        self.complete = False
        # A member over its limit is refused alone; the archive's other members are still read.
        self.refused: LimitExceeded | None = None

    def write(self, s: bytes | bytearray) -> int:
        ctx = self.owner.ctx
        ctx.check_time()
        if self.limit is None and len(self.head) < HEAD_BYTES:
            self.head += bytes(s[: HEAD_BYTES - len(self.head)])
        self.size_now += len(s)
        self.owner.written += len(s)
        if self.limit is None and (
            len(self.head) >= HEAD_BYTES or self.size_now > ctx.limits.max_file_bytes
        ):
            # Known once the head is: an archive inside may be larger than a document.
            self.limit = byte_limit(self.head, self.name, ctx.limits)
        if self.refused is None and self.limit is not None and self.size_now > self.limit:
            self.refused = too_large(self.size_now, self.limit)
            self.file.truncate(0)
        written = self.owner.written
        if (
            written > ctx.limits.ratio_floor_bytes
            and written / max(self.owner.archive_size, 1) > ctx.limits.max_ratio
        ):
            raise LimitExceeded(
                UnscannableReason.BOMB,
                f"expands more than {ctx.limits.max_ratio:g} times its compressed size",
            )
        if self.refused is not None:
            return len(s)
        return self.file.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self.file.read(size if size is not None else -1)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def flush(self) -> None:
        self.file.flush()

    def size(self) -> int:
        return self.size_now

    def close(self) -> None:
        # py7zr calls this when the member is complete (its file stays open for extraction).
        if not self.complete:
            self.complete = True
            self.owner.done.append(self)
