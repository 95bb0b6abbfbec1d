"""tar archives, read as a stream: one member at a time, never the whole archive."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.members import too_many
from dlp.extract.source import Source, spool, too_large
from dlp.model import Location, Unscannable, UnscannableReason


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    count = 0
    with source.open() as raw, tarfile.open(fileobj=raw, mode="r|") as archive:
        for info in archive:
            if not info.isfile():
                continue
            count += 1
            member = location.child(info.name)
            excess = too_many(count, location, ctx)
            if excess is not None:
                yield excess
                return
            ctx.lap()
            ctx.check_time()
            if info.size > ctx.limits.max_archive_bytes:
                yield Unscannable(
                    member,
                    UnscannableReason.TOO_LARGE,
                    too_large(info.size, ctx.limits.max_archive_bytes).detail,
                )
                continue
            stream = archive.extractfile(info)
            if stream is None:
                continue
            try:
                content = spool(stream, info.name, ctx.limits)
            except LimitExceeded as stop:
                yield Unscannable(member, stop.reason, stop.detail)
                continue
            try:
                yield from ctx.dispatch(content, member, ctx.nested())
            finally:
                content.close()
