"""Zip members handed on to the dispatcher, each checked against the limits first."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator

from dlp.extract.context import Context, Item, LimitExceeded
from dlp.extract.source import spool
from dlp.model import Location, Unscannable, UnscannableReason

_METHODS = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 98: "PPMd", 99: "AES"}


def is_encrypted(info: zipfile.ZipInfo) -> bool:
    return bool(info.flag_bits & 0x1)


def check_member(info: zipfile.ZipInfo, ctx: Context, limit: int) -> None:
    """Refuse a member on its declared sizes (zipfile never reads past the declared size)."""
    limits = ctx.limits
    if info.file_size > limit:
        raise LimitExceeded(
            UnscannableReason.TOO_LARGE,
            f"{info.file_size:,} bytes uncompressed is over the {limit:,}-byte limit",
        )
    if (
        info.file_size > limits.ratio_floor_bytes
        and info.file_size / max(info.compress_size, 1) > limits.max_ratio
    ):
        raise LimitExceeded(
            UnscannableReason.BOMB,
            f"expands {info.file_size / max(info.compress_size, 1):,.0f} times its compressed size"
            f" (limit {limits.max_ratio:g})",
        )


def extract_members(
    archive: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo], location: Location, ctx: Context
) -> Iterator[Item]:
    """Each member is spooled (memory for small ones, a temporary file for big ones) and
    extracted as a file of its own, one level deeper."""
    count = 0
    for info in infos:
        if info.is_dir():
            continue
        count += 1
        member = location.child(info.filename)
        if count > ctx.limits.max_members:
            yield Unscannable(
                location,
                UnscannableReason.BOMB,
                f"more than {ctx.limits.max_members:,} members; the rest were not read",
            )
            return
        ctx.lap()
        ctx.check_time()
        if is_encrypted(info):
            yield Unscannable(member, UnscannableReason.ENCRYPTED, "password-protected zip member")
            continue
        try:
            check_member(info, ctx, ctx.limits.max_archive_bytes)
            with archive.open(info) as stream:
                source = spool(stream, info.filename, ctx.limits, _constant(info.compress_size))
        except LimitExceeded as stop:
            yield Unscannable(member, stop.reason, stop.detail)
            continue
        except NotImplementedError:
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            yield Unscannable(
                member, UnscannableReason.UNSUPPORTED, f"compressed with {method}, not supported"
            )
            continue
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            yield Unscannable(
                member,
                UnscannableReason.CORRUPT,
                f"damaged archive member ({type(error).__name__})",
            )
            continue
        try:
            yield from ctx.dispatch(source, member, ctx.nested())
        finally:
            source.close()


def _constant(value: int) -> Callable[[], int]:
    return lambda: value
