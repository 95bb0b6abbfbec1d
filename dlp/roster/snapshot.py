"""A roster file as one reader took it: its bytes copied aside, checked whole, named by their hash.

The gateway's scanning processes never open the live store: `dlp roster import` or `sync` may
replace it at any moment, and each process would then load a different roster, or one the
gateway never checked. So the gateway reads the live file once (one open, one inode), writes
those bytes to a private folder, loads and checks that copy exactly as a scanning process will
(manifest, key check, tables, matcher), and only then hands its path to the processes. The
copy's name is its version: the first hex digits of the SHA-256 of the bytes, which are keyed
hashes only, so the version says nothing about anyone.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from dlp.roster.matcher import RosterMatcher
from dlp.roster.secret import RosterKeys
from dlp.roster.store import RosterStore, RosterStoreError

VERSION_CHARS = 16


def roster_version(data: bytes) -> str:
    """The version of a roster file: a hash of its bytes (keyed hashes and counts only)."""
    return hashlib.sha256(data).hexdigest()[:VERSION_CHARS]


@dataclass(frozen=True, slots=True)
class FileSignature:
    """What changes when a file is replaced or rewritten: checked with one `stat`."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileSignature:
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def signature(path: Path) -> FileSignature | None:
    """The file's signature, or None when there is no file."""
    try:
        return FileSignature.of(os.stat(path))
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class RosterInfo:
    """What the manifest says about a roster: when and from what it was imported, and counts."""

    imported_at: datetime | None
    source_format: str
    source: str
    people: dict[str, int] = field(default_factory=dict)

    def age_seconds(self, now: datetime) -> float | None:
        if self.imported_at is None:
            return None
        return max(0.0, (now - self.imported_at).total_seconds())


def read_info(path: Path) -> RosterInfo:
    """The manifest of the roster file at ``path`` (read without the secret: no values in it)."""
    if path.is_file() and not zipfile.is_zipfile(path):
        # Checked first: numpy leaves the file open when it is not a zip.
        raise RosterStoreError(f"{path}: not a readable roster file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            raw = archive["manifest"].tobytes()
        manifest = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise RosterStoreError(f"no roster at {path}: run `dlp roster import`") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise RosterStoreError(f"{path}: not a readable roster file") from None
    return _info(manifest)


def _info(manifest: dict[str, object]) -> RosterInfo:
    imported = manifest.get("imported_at")
    try:
        imported_at = datetime.fromisoformat(imported) if isinstance(imported, str) else None
    except ValueError:
        imported_at = None
    people = manifest.get("people")
    return RosterInfo(
        imported_at=imported_at,
        source_format=str(manifest.get("source_format", "")),
        source=str(manifest.get("source", "")),
        people={str(k): int(v) for k, v in people.items()} if isinstance(people, dict) else {},
    )


def describe_age(info: RosterInfo, age: float | None) -> str:
    """``imported 2026-12-01T06:00:00+00:00 (3.2 days ago) from oneroster``, for people."""
    if info.imported_at is None or age is None:
        return "imported at an unknown time"
    source = f" ({info.source})" if info.source else ""
    return (
        f"imported {info.imported_at.isoformat()} ({age / 86_400:.1f} days ago) "
        f"from {info.source_format or 'an unknown format'}{source}"
    )


def info_dict(
    info: RosterInfo, age: float | None, counts: dict[str, int], forms: int
) -> dict[str, object]:
    return {
        "imported_at": info.imported_at.isoformat() if info.imported_at else None,
        "age_seconds": round(age) if age is not None else None,
        "source_format": info.source_format,
        "source": info.source or None,
        "people": counts,
        "forms": forms,
    }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A checked private copy of a roster file."""

    path: Path
    version: str
    info: RosterInfo
    signature: FileSignature  # of the live file the copy was read from


def take_snapshot(store: Path, secret: bytes, folder: Path) -> Snapshot:
    """Copy the roster at ``store`` into ``folder`` and check the copy whole.

    Raises `RosterStoreError` naming ``store`` (never a value) when the file is missing,
    damaged, of another format, or hashed under another secret; the copy is then removed.
    """
    try:
        with open(store, "rb") as stream:
            seen = FileSignature.of(os.fstat(stream.fileno()))
            data = stream.read()
    except FileNotFoundError:
        raise RosterStoreError(f"no roster at {store}: run `dlp roster import`") from None
    except OSError as error:
        raise RosterStoreError(f"cannot read the roster {store}: {error.strerror}") from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        # Refused before numpy opens it: it leaves a file that is not a zip open.
        raise RosterStoreError(f"{store}: not a readable roster file (not a zip archive)")
    version = roster_version(data)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    copy = folder / f"roster-{version}.npz"
    created = not copy.exists()  # the same bytes again: the copy in use, never removed here
    if created:
        temporary = folder / f".{copy.name}.{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.replace(temporary, copy)
    try:
        keys = RosterKeys(secret)
        tables = RosterStore(copy, keys).load()
        # The matcher's tables are built here too: a roster they cannot be built from is
        # refused now, not in each scanning process.
        RosterMatcher(tables, keys)
        info = read_info(copy)
    except RosterStoreError as error:
        if created:
            copy.unlink(missing_ok=True)
        raise RosterStoreError(str(error).replace(str(copy), str(store))) from None
    except (ValueError, IndexError, TypeError) as error:
        if created:
            copy.unlink(missing_ok=True)
        kind = type(error).__name__
        raise RosterStoreError(f"{store}: inconsistent roster tables ({kind})") from None
    return Snapshot(copy, version, info, seen)


def check_version(path: Path, version: str) -> None:
    """Raise `RosterStoreError` unless the file at ``path`` is the roster ``version``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RosterStoreError(f"cannot read the roster copy {path}: {error.strerror}") from None
    if roster_version(data) != version:
        raise RosterStoreError(f"{path}: not roster version {version}")
