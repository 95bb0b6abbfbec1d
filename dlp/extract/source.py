"""Content to extract from: a file on disk, bytes in memory, or an archive member spooled
to a temporary file, always opened as a seekable binary stream so that nothing needs the
whole content in memory."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from dlp.extract.limits import LimitExceeded, Limits
from dlp.extract.sniff import CONTAINERS, sniff
from dlp.model import UnscannableReason

HEAD_BYTES = 8192
_CHUNK = 1024 * 1024
# Members up to this size stay in memory; bigger ones go to a temporary file.
_SPOOL_IN_MEMORY = 8 * 1024 * 1024


class Source:
    """One piece of content, its name (for the extension) and size."""

    __slots__ = ("_data", "_head", "_owned", "_spool", "name", "path", "size")

    def __init__(
        self,
        name: str,
        *,
        path: Path | None = None,
        data: bytes | None = None,
        spool: IO[bytes] | None = None,
        size: int,
        owned: bool = True,
    ) -> None:
        self.name = name
        self.path = path
        self._data = data
        self._spool = spool
        self.size = size
        self._head: bytes | None = None
        self._owned = owned

    @classmethod
    def from_path(cls, path: Path) -> Source:
        return cls(path.name, path=path, size=path.stat().st_size)

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> Source:
        return cls(name, data=data, size=len(data))

    def open(self) -> IO[bytes]:
        """A fresh stream positioned at the start; closing it is always safe."""
        if self.path is not None:
            return open(self.path, "rb")
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self._spool is not None
        self._spool.seek(0)
        return io.BufferedReader(_Unclosable(self._spool))

    def head(self) -> bytes:
        if self._head is None:
            if self._data is not None:
                self._head = self._data[:HEAD_BYTES]
            else:
                with self.open() as stream:
                    self._head = stream.read(HEAD_BYTES)
        return self._head

    def read_all(self) -> bytes:
        """The whole content: only for formats whose parsers need it, after the size check."""
        if self._data is not None:
            return self._data
        with self.open() as stream:
            return stream.read()

    def close(self) -> None:
        if self._spool is not None and self._owned:
            self._spool.close()


class _Unclosable(io.RawIOBase):
    """A view of a shared spool file that leaves it open when the reader closes it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


def byte_limit(head: bytes, name: str, limits: Limits) -> int:
    """Archives and mailboxes may be larger than a single document."""
    return limits.max_archive_bytes if sniff(head, name) in CONTAINERS else limits.max_file_bytes


def too_large(size: int, limit: int) -> LimitExceeded:
    return LimitExceeded(
        UnscannableReason.TOO_LARGE,
        f"{size:,} bytes is over the {limit:,}-byte limit for one file",
    )


def check_whole_read(source: Source, limit: int, what: str) -> None:
    """Refuse ``what`` over ``limit`` bytes before a parser that reads it whole does (the mail
    parser, tnefparse); the dispatcher reports it as too large."""
    if source.size > limit:
        raise LimitExceeded(
            UnscannableReason.TOO_LARGE,
            f"{what} of {source.size:,} bytes is over the {limit:,}-byte limit for messages",
        )


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def spool(
    stream: Readable,
    name: str,
    limits: Limits,
    compressed: Callable[[], int] | None = None,
) -> Source:
    """Copy a decompressing stream to a temporary spool, enforcing size and ratio as it goes.

    ``compressed`` tells how many compressed bytes have been consumed so far, for the ratio.
    """
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        head = stream.read(HEAD_BYTES)
        limit = byte_limit(head, name, limits)
        written = 0
        chunk = head
        while chunk:
            written += len(chunk)
            if written > limit:
                raise too_large(written, limit)
            if compressed is not None and written > limits.ratio_floor_bytes:
                ratio = written / max(compressed(), 1)
                if ratio > limits.max_ratio:
                    raise LimitExceeded(
                        UnscannableReason.BOMB,
                        f"expands more than {limits.max_ratio:g} times its compressed size",
                    )
            out.write(chunk)
            chunk = stream.read(_CHUNK)
    except BaseException:
        out.close()
        raise
    return Source(name, spool=out, size=written)
