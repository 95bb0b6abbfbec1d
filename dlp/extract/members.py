"""Zip members handed on to the dispatcher, each checked against the limits first."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TypeVar

from dlp.extract.context import Context, Item
from dlp.extract.inflate import open_member
from dlp.extract.limits import LimitExceeded
from dlp.extract.source import Source, spool
from dlp.model import Location, Unscannable, UnscannableReason

T = TypeVar("T")

# Members up to this size are read whole into memory (the spool kept them in memory too).
_READ_WHOLE = 8 * 1024 * 1024

_METHODS = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 98: "PPMd", 99: "AES"}


def is_encrypted(info: zipfile.ZipInfo) -> bool:
    return bool(info.flag_bits & 0x1)


def check_member(info: zipfile.ZipInfo, ctx: Context, limit: int) -> None:
    """Refuse a member on its declared sizes (zipfile never reads past the declared size)."""
    check_sizes(info.file_size, info.compress_size, ctx, limit)


def check_sizes(size: int, compressed: int | None, ctx: Context, limit: int) -> None:
    """Refuse an archive member on the sizes its archive declares, before reading it.

    ``compressed`` is None where the format does not say (members of a solid block): then only
    the whole archive's ratio (``check_total``) and the spool's running ratio judge it.
    """
    limits = ctx.limits
    if size > limit:
        raise LimitExceeded(
            UnscannableReason.TOO_LARGE,
            f"{size:,} bytes uncompressed is over the {limit:,}-byte limit",
        )
    if compressed is None:
        return
    if size > limits.ratio_floor_bytes and size / max(compressed, 1) > limits.max_ratio:
        raise LimitExceeded(
            UnscannableReason.BOMB,
            f"expands {size / max(compressed, 1):,.0f} times its compressed size"
            f" (limit {limits.max_ratio:g})",
        )


def check_total(total: int, size: int, ctx: Context) -> None:
    """Overlapping-member bombs keep each member's ratio modest; the sum gives them away."""
    limits = ctx.limits
    if total > limits.ratio_floor_bytes and total / max(size, 1) > limits.max_ratio:
        raise LimitExceeded(
            UnscannableReason.BOMB,
            f"members add up to {total:,} bytes, {total / max(size, 1):,.0f} times the archive's"
            f" size (limit {limits.max_ratio:g})",
        )


def too_many(count: int, location: Location, ctx: Context) -> Unscannable | None:
    """The report for the member past the limit on members, or None while within it."""
    if count <= ctx.limits.max_members:
        return None
    return Unscannable(
        location,
        UnscannableReason.BOMB,
        f"more than {ctx.limits.max_members:,} members; the rest were not read",
    )


def each_member(
    members: Iterable[T],
    location: Location,
    ctx: Context,
    read: Callable[[int, T], Iterator[Item]],
    *,
    lap: bool = False,
) -> Iterator[Item]:
    """``read(number, member)`` for each member, numbered from 1, while within the limit on
    members; past it, the report for the rest, and no more. With ``lap``, each member starts
    the container's clock again (`Context.next_member`)."""
    for count, member in enumerate(members, start=1):
        excess = too_many(count, location, ctx)
        if excess is not None:
            yield excess
            return
        if lap:
            ctx.next_member()
        yield from read(count, member)


def dispatch_spooled(
    spooled: Callable[[], Source], member: Location, ctx: Context
) -> Iterator[Item]:
    """A member extracted one level deeper from the spool ``spooled`` makes of it (closed
    after); a member the spool refuses (too large, too expanded) is unscannable."""
    try:
        content = spooled()
    except LimitExceeded as stop:
        yield Unscannable(member, stop.reason, stop.detail)
        return
    try:
        yield from ctx.dispatch(content, member, ctx.nested())
    finally:
        content.close()


def extract_members(
    archive: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo], location: Location, ctx: Context
) -> Iterator[Item]:
    """Each member is spooled (memory for small ones, a temporary file for big ones) and
    extracted as a file of its own, one level deeper."""
    read = partial(_member, archive, location, ctx)
    files = (info for info in infos if not info.is_dir())
    yield from each_member(files, location, ctx, read, lap=True)


def _member(
    archive: zipfile.ZipFile, location: Location, ctx: Context, _: int, info: zipfile.ZipInfo
) -> Iterator[Item]:
    member = location.child(info.filename)
    if is_encrypted(info):
        yield Unscannable(member, UnscannableReason.ENCRYPTED, "password-protected zip member")
        return
    try:
        check_member(info, ctx, ctx.limits.max_archive_bytes)
        with open_member(archive, info) as stream:
            if info.file_size <= min(ctx.limits.max_file_bytes, _READ_WHOLE):
                # Passed ``check_member``, it can break neither the spool's size limit nor its
                # ratio (zipfile stops at the declared size): read in one call, as bytes, it
                # skips the spool file and the Python reader over it, a fixed cost per member
                # that was much of a small member's extraction.
                source = Source.from_bytes(stream.read(), info.filename)
            else:
                source = spool(stream, info.filename, ctx.limits, constant(info.compress_size))
    except LimitExceeded as stop:
        yield Unscannable(member, stop.reason, stop.detail)
        return
    except NotImplementedError:
        method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
        yield Unscannable(
            member, UnscannableReason.UNSUPPORTED, f"compressed with {method}, not supported"
        )
        return
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        yield Unscannable(
            member,
            UnscannableReason.CORRUPT,
            f"damaged archive member ({type(error).__name__})",
        )
        return
    yield from dispatch_spooled(lambda: source, member, ctx)


def constant(value: int) -> Callable[[], int]:
    return lambda: value
