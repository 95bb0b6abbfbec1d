"""OLE compound files: legacy Word/Excel/PowerPoint, Outlook .msg, and encrypted Office.

Every password-protected Office file (docx/xlsx/pptx included) is an OLE container holding
EncryptionInfo and EncryptedPackage streams, so encryption is recognised here.
"""

from __future__ import annotations

from collections.abc import Iterator

import olefile

from dlp.extract import outlook, package, pptdoc, worddoc, xls
from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.source import Source
from dlp.model import Location, Unscannable, UnscannableReason

# Streams in which an embedded object keeps a whole file: Office Open XML packages, PDFs.
_PAYLOADS = ("Package", "CONTENTS", "\x01Ole10Native")


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        try:
            ole = olefile.OleFileIO(raw)
        except OSError as error:
            raise LimitExceeded(
                UnscannableReason.CORRUPT, f"damaged OLE compound file ({type(error).__name__})"
            ) from error
        with ole:
            if ole.parsing_issues:
                # olefile reads what it can of a damaged container: say so, then read it.
                yield Unscannable(
                    location,
                    UnscannableReason.CORRUPT,
                    "damaged OLE compound file: parts of it could not be read",
                )
            if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
                yield Unscannable(
                    location, UnscannableReason.ENCRYPTED, "password-protected Office document"
                )
            elif ole.exists("WordDocument"):
                yield from worddoc.extract(ole, location, ctx)
            elif ole.exists("Workbook") or ole.exists("Book"):
                yield from xls.extract(source, location, ctx)
            elif ole.exists("PowerPoint Document"):
                yield from pptdoc.extract(ole, location, ctx)
            elif ole.exists("__properties_version1.0"):
                yield from outlook.extract(ole, location, ctx)
            elif not _storages(ole) and not ole.exists("\x01Ole10Native"):
                yield Unscannable(
                    location,
                    UnscannableReason.UNSUPPORTED,
                    "an OLE compound file of a kind that is not read",
                )
            yield from _embedded(ole, location, ctx)


def _storages(ole: olefile.OleFileIO) -> list[tuple[str, ...]]:
    """Storages that hold an embedded object: Word's ObjectPool, Excel's MBD storages, and
    the root of an OLE object file (oleObject1.bin inside a docx)."""
    found: set[tuple[str, ...]] = set()
    for entry in ole.listdir(streams=True, storages=False):
        path = tuple(entry)
        if len(path) >= 2 and (path[0] == "ObjectPool" or path[0].startswith("MBD")):
            found.add(path[: 2 if path[0] == "ObjectPool" else 1])
    if any(ole.exists(name) for name in _PAYLOADS):
        found.add(())
    return sorted(found)


def _embedded(ole: olefile.OleFileIO, location: Location, ctx: Context) -> Iterator[Item]:
    """Documents embedded in a document are read as members of it, one level deeper."""
    nested = ctx.nested()
    for number, storage in enumerate(_storages(ole), start=1):
        ctx.check_time()
        where = location.child(f"embedded object {number}")
        if nested.depth > ctx.limits.max_depth:
            yield Unscannable(where, UnscannableReason.BOMB, "embedded objects nested too deep")
            return

        def has(name: str, storage: tuple[str, ...] = storage) -> bool:
            return bool(ole.exists("/".join([*storage, name])))

        if storage and has("WordDocument"):
            yield from worddoc.extract(ole, where, nested, storage)
        elif storage and (has("Workbook") or has("Book")):
            name = "Workbook" if has("Workbook") else "Book"
            yield from xls.workbook(ole.openstream([*storage, name]).read(), where, nested)
        elif has("\x01Ole10Native"):
            native = ole.openstream([*storage, "\x01Ole10Native"]).read()
            filename, data = package.unpack(native)
            yield from ctx.dispatch(
                Source.from_bytes(data, filename),
                location.child(filename or where.path[-1]),
                nested,
            )
        else:
            for payload in _PAYLOADS:
                if has(payload):
                    data = ole.openstream([*storage, payload]).read()
                    yield from ctx.dispatch(Source.from_bytes(data, payload), where, nested)
                    break
