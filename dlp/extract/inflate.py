"""Zip members inflated by ISA-L (``isal``), about four times faster than zlib on the XML of
spreadsheets, with every check zipfile makes kept.

The member is still opened by ``zipfile``, which parses the local header, refuses encrypted
members and unknown methods, follows zip64 and data descriptors, stops at the declared size and
checks the CRC-32 at the end; only its raw-deflate decompressor is swapped for ISA-L's, which
has the same interface. ISA-L's errors are raised as ``zlib.error`` so that a damaged member is
reported exactly as before (the report names the exception's class).
"""

from __future__ import annotations

import importlib
import zipfile
import zlib
from types import ModuleType
from typing import IO, Any


def _load_isal() -> ModuleType | None:
    """ISA-L's zlib, or None: without it (the package is pinned, but a wheel may be missing on
    some platform) zipfile inflates with zlib as before."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return None


isal_zlib = _load_isal()

# zipfile reads a deflated member through ``_decompressor``; without it (another Python) the
# member is read by zlib, unchanged.
_DECOMPRESSOR = "_decompressor"
_STAND_IN = b"\0"


class _IsalInflater:
    """ISA-L raw inflate with zlib's ``Decompress`` interface, error class and streaming.

    ISA-L takes in all the input it is given and holds back the output over ``max_length``,
    where zlib leaves the input it did not need in ``unconsumed_tail``. zipfile reads an empty
    tail at the end of the member's data as "all the output is out" and flushes the rest in
    one piece, unbounded: a bomb's last chunk would be inflated whole. So while output may be
    held back, a one-byte stand-in tail keeps zipfile asking, one ``max_length`` at a time,
    and is taken off again when zipfile hands it back with the next input.
    """

    __slots__ = ("_error", "_held", "_inner")

    def __init__(self, isal: ModuleType) -> None:
        self._inner: Any = isal.decompressobj(-zlib.MAX_WBITS)
        self._error: type[Exception] = isal.error
        self._held = False

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        if self._held:
            data = data[len(_STAND_IN) :]
        try:
            out: bytes = self._inner.decompress(data, max_length)
        except self._error as error:
            raise zlib.error(str(error)) from None
        self._held = 0 < max_length <= len(out) and not self._inner.unconsumed_tail
        return out

    def flush(self, length: int = zlib.DEF_BUF_SIZE) -> bytes:
        try:
            return self._inner.flush(length)
        except self._error as error:
            raise zlib.error(str(error)) from None

    @property
    def eof(self) -> bool:
        return bool(self._inner.eof) and not self._held

    @property
    def unconsumed_tail(self) -> bytes:
        if self._held:
            return _STAND_IN
        return self._inner.unconsumed_tail

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data


def available() -> bool:
    return isal_zlib is not None


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """``archive.open(info)``, inflated by ISA-L where the member is deflated."""
    stream = archive.open(info)
    if (
        isal_zlib is not None
        and info.compress_type == zipfile.ZIP_DEFLATED
        and type(stream) is zipfile.ZipExtFile
        and hasattr(stream, _DECOMPRESSOR)
    ):
        setattr(stream, _DECOMPRESSOR, _IsalInflater(isal_zlib))
    return stream
