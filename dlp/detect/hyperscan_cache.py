"""Compiled Hyperscan databases kept on disk, compiled in a short-lived child process.

Compiling the text index's database (some 32,500 literal keys) costs half a second of CPU and
lifts a process's peak resident memory by some 65 MiB for a moment; the serialized database is
3 MB and loads in a few milliseconds. So a database is compiled once per set of expressions
and kept in a cache folder; a process that finds it there loads it and can read with it from
its first text. A process that does not find it has a child process compile it: the child
carries the compile's peak and writes the file (a temporary file renamed into place, so a
reader sees a whole file or none), which the process then loads; where the folder cannot be
written, the child sends the database on its standard output instead. Where no child can be
run, the database is compiled in the process, as before.

Several processes may start together (a gateway's workers): their children take turns through
a lock file, so one compiles and the others find its file. A file is used only if it is whole
(its digest checks), was made for the same expressions, and Hyperscan accepts it (a database
from another Hyperscan version or CPU is refused with an error); otherwise it is compiled again
and replaced.

The folder: ``$DLP_CACHE_DIR/hyperscan``, else ``$XDG_CACHE_HOME/dlp/hyperscan``, else
``~/.cache/dlp/hyperscan``; ``DLP_CACHE_DIR`` set empty keeps no files (every database is then
compiled in a child each time it is needed). The tests point it at a temporary folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import hyperscan

CACHE_ENV = "DLP_CACHE_DIR"
# Bumped when what a file holds, or how a key is made, changes.
_FORMAT = b"dlp-hyperscan-cache 1"
_MAGIC = b"DLPHS001"
_HEADER = len(_MAGIC) + 32 + 32  # magic, the expressions' key, the payload's sha256
# Files kept in the folder, the newest: a district's recognizer edits leave old sets behind.
_KEPT_FILES = 8
# A child that takes longer than this is given up on (the process compiles for itself).
_CHILD_TIMEOUT = 120.0
# A temporary file this old was left by a child that was killed while writing it.
_STALE_PART = 3600.0


class DatabaseSpec:
    """What a block-mode database is compiled from, and the key it is kept under."""

    __slots__ = ("_key", "flags", "ids", "joined", "literal")

    def __init__(
        self,
        expressions: Iterable[bytes],
        ids: Sequence[int],
        flags: Sequence[int] | int = 0,
        literal: bool = False,
    ) -> None:
        # One bytes object rather than one per expression (the text index has 32,500): an
        # expression is a C string to Hyperscan, so none holds a NUL.
        self.joined = b"\0".join(expressions)
        self.ids = ids
        self.flags: tuple[int, ...] | int = flags if isinstance(flags, int) else tuple(flags)
        self.literal = literal
        self._key: bytes | None = None

    @property
    def expressions(self) -> list[bytes]:
        return self.joined.split(b"\0") if self.ids else []

    @property
    def key(self) -> bytes:
        """The sha256 of everything that decides the compiled bytes, Hyperscan's version and
        the CPU it compiles for included."""
        if self._key is None:
            digest = hashlib.sha256(_FORMAT)
            flags = [self.flags] if isinstance(self.flags, int) else self.flags
            for part in (
                _platform(),
                array("q", self.ids).tobytes(),
                array("q", flags).tobytes(),
                b"literal" if self.literal else b"regex",
                self.joined,
            ):
                digest.update(len(part).to_bytes(8, "little") + part)
            self._key = digest.digest()
        return self._key

    def compile(self) -> hyperscan.Database:
        """The database, compiled in this process."""
        expressions = self.expressions
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=expressions,
            ids=list(self.ids),
            elements=len(expressions),
            flags=self.flags if isinstance(self.flags, int) else list(self.flags),
            literal=self.literal,
        )
        return database

    def request(self, path: Path | None) -> tuple[bytes, bytes]:
        """What a child is sent: a line of JSON, then the expressions as they are (a range of
        ids as its bounds: the text index's 32,500 ids are one)."""
        ids: object = (
            {"range": [self.ids.start, self.ids.stop, self.ids.step]}
            if isinstance(self.ids, range)
            else list(self.ids)
        )
        head = {"ids": ids, "flags": self.flags, "literal": self.literal}
        head["path"] = str(path) if path else None
        return json.dumps(head).encode() + b"\n", self.joined

    @classmethod
    def from_request(cls, data: bytes) -> tuple[DatabaseSpec, Path | None]:
        line, _, joined = data.partition(b"\n")
        head = json.loads(line)
        ids = head["ids"]
        spec = cls((), range(*ids["range"]) if isinstance(ids, dict) else ids, head["flags"])
        spec.joined, spec.literal = joined, head["literal"]
        return spec, Path(head["path"]) if head["path"] else None


@functools.cache
def _platform() -> bytes:
    # Hyperscan compiles for the CPU it runs on and refuses a database made for another; a
    # home folder shared between machines keeps one file per CPU rather than replacing it.
    flags = b""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", "rb") as cpuinfo:
        flags = next((line for line in cpuinfo if line.startswith(b"flags")), b"")
    version = getattr(hyperscan, "__version__", "unknown")
    return f"{version} {sys.platform} {platform.machine()} ".encode() + flags


def cache_folder() -> Path | None:
    """Where databases are kept, or None (``$DLP_CACHE_DIR`` set empty)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() / "hyperscan" if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "dlp" / "hyperscan"


def cache_path(spec: DatabaseSpec) -> Path | None:
    folder = cache_folder()
    return folder / f"{spec.key.hex()}.hsdb" if folder else None


def database(spec: DatabaseSpec) -> hyperscan.Database:
    """The database of ``spec``: from the cache, else compiled by a child process (which
    keeps it in the cache), else compiled here."""
    found = cached(spec)
    if found is not None:
        return found
    sent = _compile_in_child(spec, cache_path(spec))
    if sent is not None:
        # Nothing sent: the child wrote the file (read at its size, not through a pipe's
        # growing buffer).
        found = _load(sent) if sent else cached(spec)
        if found is not None:
            return found
    return spec.compile()


def cached(spec: DatabaseSpec) -> hyperscan.Database | None:
    """The database of ``spec`` if the cache holds a good one, else None."""
    path = cache_path(spec)
    found = _read(path, spec.key) if path else None
    return _load(found) if found is not None else None


def _read(path: Path, key: bytes) -> bytes | None:
    """The serialized database in the file at ``path`` if it is whole and made for ``key``."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        # A file another user could have written is not loaded: Hyperscan trusts the
        # database it is given.
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            return None
        # Read at its size, apart from the header: one buffer of 3 MB, not a growing one
        # and a slice.
        header = os.read(descriptor, _HEADER)
        payload = os.read(descriptor, status.st_size - _HEADER)
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return _payload(header, payload, key)


def _header(key: bytes, payload: bytes) -> bytes:
    return _MAGIC + key + hashlib.sha256(payload).digest()


def _payload(header: bytes, payload: bytes, key: bytes) -> bytes | None:
    """``payload`` if ``header`` says it is whole and made for ``key``."""
    return payload if payload and header == _header(key, payload) else None


def _load(payload: bytes) -> hyperscan.Database | None:
    try:
        loaded = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
        # loadb gives a database without scratch space; scan() needs one.
        loaded.scratch = hyperscan.Scratch(loaded)
    except hyperscan.error:
        return None  # another Hyperscan version or CPU: compiled again
    return loaded


def _compile_in_child(spec: DatabaseSpec, path: Path | None) -> bytes | None:
    """What a child process that compiled ``spec`` sent back: nothing if it wrote the file at
    ``path``, else the serialized database; None if it could not run."""
    if not sys.executable:
        return None
    package_root = str(Path(__file__).resolve().parents[2])
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH")))),
    }
    head, joined = spec.request(path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dlp.detect.hyperscan_cache"],
            input=head + joined,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its failure is told by its status: compiled here
            env=environment,
            timeout=_CHILD_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _serve(spec: DatabaseSpec, path: Path | None) -> bytes:
    """In the child: nothing if the file at ``path`` holds the database (another child's, or
    compiled and written now), else the serialized database."""
    if path is None:
        return hyperscan.dumpb(spec.compile())
    with _locked(path):
        payload = _read(path, spec.key)
        if payload is not None and _load(payload) is not None:
            return b""
        payload = hyperscan.dumpb(spec.compile())
        try:
            _write(path, _header(spec.key, payload), payload)
        except OSError:
            return payload
        with contextlib.suppress(OSError):
            _prune(path.parent)
        return b""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held while one child compiles for ``path``; nothing if the folder cannot be made."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)  # releases the lock


def _write(path: Path, header: bytes, payload: bytes) -> None:
    """The file at ``path``, whole or not at all: a reader opens the old file or this one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(header)
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _prune(folder: Path) -> None:
    """The newest _KEPT_FILES files kept, and no temporary file a killed child left."""
    dated = []
    for file in folder.glob("*.hsdb"):
        with contextlib.suppress(OSError):  # another child's pruning got there first
            dated.append((file.stat().st_mtime, file))
    for _, old in sorted(dated, reverse=True)[_KEPT_FILES:]:
        with contextlib.suppress(OSError):
            old.unlink()
            old.with_suffix(".lock").unlink()
    for part in folder.glob(".tmp-*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < time.time() - _STALE_PART:
                part.unlink()


def main() -> int:
    spec, path = DatabaseSpec.from_request(sys.stdin.buffer.read())
    sys.stdout.buffer.write(_serve(spec, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
