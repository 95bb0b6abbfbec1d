"""gzip, bzip2 and xz streams: the one file inside is decompressed to a spool (checked for
size and expansion ratio as it goes) and extracted as a member, e.g. ``data.csv.gz / data.csv``."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Iterator
from pathlib import PurePosixPath

from dlp.extract.context import Context, Item
from dlp.extract.sniff import Kind, sniff
from dlp.extract.source import Source, spool
from dlp.model import Location

_SUFFIXES = {
    ".gz": "",
    ".tgz": ".tar",
    ".taz": ".tar",
    ".bz2": "",
    ".tbz": ".tar",
    ".tbz2": ".tar",
    ".xz": "",
    ".txz": ".tar",
}


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    kind = sniff(source.head(), source.name)
    inner = inner_name(source.name)
    with source.open() as raw:
        stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
        if kind is Kind.GZIP:
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif kind is Kind.BZIP2:
            stream = bz2.BZ2File(raw, mode="rb")
        else:
            stream = lzma.LZMAFile(raw, mode="rb")  # noqa: SIM115 - closed just below
        with stream:
            member = spool(stream, inner, ctx.limits, raw.tell)
    try:
        yield from ctx.dispatch(member, location.child(inner), ctx.nested())
    finally:
        member.close()


def inner_name(name: str) -> str:
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return path.stem + _SUFFIXES[suffix]
    return path.name + " (decompressed)"
