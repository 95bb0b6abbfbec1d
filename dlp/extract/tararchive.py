"""tar archives, read as a stream: one member at a time, never the whole archive."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from functools import partial

from dlp.extract.context import Context, Item
from dlp.extract.members import dispatch_spooled, each_member
from dlp.extract.source import Source, spool, too_large
from dlp.model import Location, Unscannable


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw, tarfile.open(fileobj=raw, mode="r|") as archive:
        read = partial(_member, archive, location, ctx)
        yield from each_member(_files(archive), location, ctx, read, lap=True)


def _files(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    return (info for info in archive if info.isfile())


def _member(
    archive: tarfile.TarFile, location: Location, ctx: Context, _: int, info: tarfile.TarInfo
) -> Iterator[Item]:
    limit = ctx.limits.max_archive_bytes
    if info.size > limit:
        refused = too_large(info.size, limit)
        yield Unscannable(location.child(info.name), refused.reason, refused.detail)
        return
    stream = archive.extractfile(info)
    if stream is not None:
        spooled = partial(spool, stream, info.name, ctx.limits)
        yield from dispatch_spooled(spooled, location.child(info.name), ctx)
