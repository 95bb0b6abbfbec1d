"""Route content to the extractor for its kind, and turn every failure into a report.

This is the one place where an exception becomes an ``Unscannable``: extractors raise, and
``_guarded`` reports. Exception messages are never copied into the report, because library
messages sometimes quote the content they choked on.
"""

from __future__ import annotations

import importlib
import os
import stat
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterator
from itertools import accumulate
from pathlib import Path
from typing import IO

from dlp.extract.celltable import cell_chars, cell_lengths, head
from dlp.extract.context import Clocks, Context, Item, OcrBudget, timed
from dlp.extract.limits import LimitExceeded, Limits
from dlp.extract.sniff import CONTAINERS, Kind, sniff, unsupported_reason
from dlp.extract.source import Source, spool, too_large
from dlp.model import FILE_NAME_PART, Location, Segment, Unscannable, UnscannableReason

Extractor = Callable[[Source, Location, Context], Iterator[Item]]
# Frozen, so sharing one default instance is safe.
DEFAULT_LIMITS = Limits()
# A seekable stream up to this size is extracted from a copy of its bytes.
_READ_WHOLE = 1024 * 1024


def _media(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    yield Unscannable(location, UnscannableReason.UNSUPPORTED, "audio or video is not read")


def _unsupported(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    reason = unsupported_reason(source.head()) or "binary content of a type that is not read"
    yield Unscannable(location, UnscannableReason.UNSUPPORTED, reason)


def _extractor(module: str) -> Extractor:
    """The ``extract`` of ``dlp.extract.<module>``, imported when a first item of its kind
    comes: together they import py7zr, pdfminer, Pillow, olefile and more, most of a second
    that a command reading one plain message, or none, should not pay (`load_extractors`
    imports them all ahead, for a long-lived worker). A generator itself, so that a failed
    import is raised inside `_guarded`, as any other failure to read."""

    def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
        yield from importlib.import_module(f"dlp.extract.{module}").extract(source, location, ctx)

    extract.__qualname__ = f"{module}.extract"
    return extract


# The module whose ``extract`` reads each kind.
EXTRACTOR_MODULES: dict[Kind, str] = {
    Kind.ZIP: "ziparchive",
    Kind.OLE: "ole",
    Kind.PDF: "pdfdoc",
    Kind.RTF: "rtfdoc",
    Kind.GZIP: "compressed",
    Kind.BZIP2: "compressed",
    Kind.XZ: "compressed",
    Kind.TAR: "tararchive",
    Kind.SEVENZIP: "sevenzip",
    Kind.RAR: "rararchive",
    Kind.TNEF: "tnef",
    Kind.IMAGE: "images",
    Kind.MBOX: "mbox",
    Kind.MESSAGE: "mime",
    Kind.CSV: "delimited",
    Kind.TSV: "delimited",
    Kind.JSON: "jsondoc",
    Kind.XML: "xmldoc",
    Kind.HTML: "htmldoc",
    Kind.CALENDAR: "ical",
    Kind.TEXT: "plaintext",
}
EXTRACTORS: dict[Kind, Extractor] = {
    **{kind: _extractor(module) for kind, module in EXTRACTOR_MODULES.items()},
    Kind.MEDIA: _media,
    Kind.UNSUPPORTED: _unsupported,
}


def load_extractors() -> None:
    """Import every extractor now: a worker that will read many files does it once at start,
    rather than inside the time limit of the first file of each kind."""
    for module in sorted(set(EXTRACTOR_MODULES.values())):
        importlib.import_module(f"dlp.extract.{module}")


_DESCRIPTION: dict[Kind, str] = {
    Kind.ZIP: "a zip or Office file",
    Kind.OLE: "an OLE (legacy Office or Outlook) file",
    Kind.MESSAGE: "a mail message",
    Kind.MBOX: "a mailbox",
    Kind.GZIP: "gzip data",
    Kind.BZIP2: "bzip2 data",
    Kind.XZ: "xz data",
    Kind.SEVENZIP: "a 7-Zip archive",
    Kind.RAR: "a RAR archive",
    Kind.TNEF: "an Outlook TNEF (winmail.dat) attachment",
}


def extract_source(
    source: Source, location: Location, ctx: Context, kind: Kind | None = None
) -> Generator[Item, None, None]:
    """Extract one piece of content of any kind (the dispatcher that containers call)."""
    if ctx.depth > ctx.limits.max_depth:
        yield Unscannable(
            location,
            UnscannableReason.BOMB,
            f"nested more than {ctx.limits.max_depth} archives or attachments deep",
        )
        return
    try:
        kind = kind or sniff(source.head(), source.name)
    except OSError:
        yield Unscannable(location, UnscannableReason.CORRUPT, "could not be read from storage")
        return
    limit = ctx.limits.max_archive_bytes if kind in CONTAINERS else ctx.limits.max_file_bytes
    if source.size > limit:
        yield Unscannable(
            location, UnscannableReason.TOO_LARGE, too_large(source.size, limit).detail
        )
        return
    if ctx.depth and _is_real_name(source.name):
        # An attachment's or a member's name is content too: "536-22-1234 IEP.pdf" says what
        # it holds. (A top-level file's name is its sender's own, and in its location.)
        yield Segment(source.name, location.with_detail(part=FILE_NAME_PART))
    items = EXTRACTORS[kind](source, location, ctx)
    timed_items = timed(items, ctx.clocks, ctx.limits.max_seconds, location)
    yield from _guarded(timed_items, location, _DESCRIPTION.get(kind, f"{kind.value}"))


def _is_real_name(name: str) -> bool:
    """Not one of the names extraction makes up ("part 2 (text/plain)", "<stdin>")."""
    return bool(name.strip()) and not name.startswith(("<", "part ", "message "))


def _guarded(items: Iterator[Item], location: Location, what: str) -> Iterator[Item]:
    try:
        yield from items
    except LimitExceeded as stop:
        yield Unscannable(location, stop.reason, stop.detail)
    except RecursionError:
        yield Unscannable(location, UnscannableReason.BOMB, f"{what} nested too deeply to read")
    except MemoryError:
        yield Unscannable(location, UnscannableReason.TOO_LARGE, f"{what} needed too much memory")
    except Exception as error:
        yield Unscannable(
            location,
            UnscannableReason.CORRUPT,
            f"damaged or malformed: could not be read as {what} ({type(error).__name__})",
        )


def _item(
    source: Source,
    location: Location,
    limits: Limits,
    kind: Kind | None = None,
    ocr: OcrBudget | None = None,
) -> Iterator[Item]:
    """One top-level item: its own clocks, its own character and OCR budgets."""
    ctx = Context(limits, extract_source, Clocks(), ocr=ocr or OcrBudget())
    chars = 0
    items = extract_source(source, location, ctx, kind)
    try:
        for item in items:
            if isinstance(item, Segment):
                # A packed table counts its cells' characters, as when they came one by one.
                size = cell_chars(item)
                chars += size
                if chars > limits.max_chars:
                    kept = _cells_within(item, limits.max_chars - (chars - size))
                    if kept is not None:
                        yield kept
                    yield Unscannable(
                        location,
                        UnscannableReason.TOO_LARGE,
                        f"more than {limits.max_chars:,} characters of text; the rest was not read",
                    )
                    return
            yield item
    finally:
        items.close()
        source.close()


def _cells_within(segment: Segment, budget: int) -> Segment | None:
    """The leading cells of a packed segment that fit in ``budget`` characters, if any."""
    if segment.cells is None:
        return None
    fitting = bisect_right(list(accumulate(cell_lengths(segment))), budget)
    return head(segment, fitting) if fitting else None


def extract_bytes(
    data: bytes, name: str, location: Location, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Item]:
    """Extract content held in memory. ``name`` is only used to recognise the format;
    ``location`` is reported as given (include the name in it if it should be shown)."""
    yield from _item(Source.from_bytes(data, name), location, limits)


def extract_stream(
    stream: IO[bytes],
    name: str,
    location: Location,
    limits: Limits = DEFAULT_LIMITS,
    ocr: OcrBudget | None = None,
) -> Iterator[Item]:
    """Extract from an open binary stream, spooling it first if it cannot seek. ``ocr``, when
    given, is the OCR budget to use, and afterwards tells what OCR took (pages, seconds)."""
    if stream.seekable():
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
        data = stream.read() if start else _small(stream, size)
        if data is not None:
            yield from _item(Source.from_bytes(data, name), location, limits, ocr=ocr)
            return
        source = Source(name, spool=stream, size=size, owned=False)
        yield from _item(source, location, limits, ocr=ocr)
        return
    try:
        source = spool(stream, name, limits)
    except LimitExceeded as stop:
        yield Unscannable(location, stop.reason, stop.detail)
        return
    yield from _item(source, location, limits, ocr=ocr)


def _small(stream: IO[bytes], size: int) -> bytes | None:
    """A stream at its start of up to ``_READ_WHOLE`` bytes, as bytes: a zip's many small
    reads then go straight to memory, not through the Python reader that keeps a shared spool
    open. None for a larger one, or one that cannot be read (reported as before)."""
    if size > _READ_WHOLE:
        return None
    try:
        return stream.read()
    except OSError:
        stream.seek(0)
        return None


def extract_message(
    raw: bytes, location: Location, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Item]:
    """Extract an RFC 5322 message: headers, bodies, attachments, nested messages."""
    yield from _item(Source.from_bytes(raw, "message.eml"), location, limits, Kind.MESSAGE)


def extract_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Extract a file, or every file under a folder (sorted, symlinked folders not followed).

    Locations start with the name of ``path`` itself, then the path below it.
    """
    path = Path(path)
    root = Location(path=(path.name or str(path),))
    if path.is_dir():
        yield from _walk(path, root, limits)
    else:
        yield from _file(path, root, limits)


def _walk(folder: Path, root: Location, limits: Limits) -> Iterator[Item]:
    for directory, subdirs, files in os.walk(folder, onerror=None):
        subdirs.sort()
        relative = Path(directory).relative_to(folder).parts
        for filename in sorted(files):
            location = Location(path=(*root.path, *relative, filename))
            yield from _file(Path(directory) / filename, location, limits)


def _file(path: Path, location: Location, limits: Limits) -> Iterator[Item]:
    try:
        info = path.stat()
    except OSError as error:
        yield Unscannable(location, UnscannableReason.UNSUPPORTED, _os_detail(error))
        return
    if not stat.S_ISREG(info.st_mode):
        yield Unscannable(location, UnscannableReason.UNSUPPORTED, "not a regular file")
        return
    # A size the file could never be read at is refused before a single byte is read.
    if info.st_size > max(limits.max_file_bytes, limits.max_archive_bytes):
        limit = max(limits.max_file_bytes, limits.max_archive_bytes)
        yield Unscannable(
            location, UnscannableReason.TOO_LARGE, too_large(info.st_size, limit).detail
        )
        return
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        yield Unscannable(location, UnscannableReason.UNSUPPORTED, _os_detail(error))
        return
    yield from _item(Source(path.name, path=path, size=info.st_size), location, limits)


def _os_detail(error: OSError) -> str:
    return f"could not be opened ({error.strerror or type(error).__name__})"
