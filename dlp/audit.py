"""The audit log: append-only JSON lines, each chained to the one before by a keyed MAC.

Every entry carries ``seq`` (its position in the host's chain, across rotated files), ``time``,
``event``, its fields, ``prev`` (the MAC of the previous entry, 64 zeros for the first) and
``mac``: HMAC-SHA256, under the chain key (`dlp.audit_keys`, a file apart from the log), of the
entry's canonical JSON without ``mac``. Every field, the time included, is inside the MAC: whoever
can write the log but lacks the key cannot edit, insert, reorder or drop an entry and recompute
the chain. Cutting entries off the end, or starting the file over, is what the signed
checkpoints catch (`dlp.audit_checkpoints`): every ``checkpoint_every`` entries, at each
rotation and when the gateway stops, the head (count and MAC) is signed and sent to the
quarantine database and syslog. `dlp.audit_verify` checks both.

A log written before keyed chains (entries with an unkeyed SHA-256 ``hash``) is continued, not
refused: the first keyed entry's ``prev`` is the last old entry's hash, so the keyed chain seals
the old part too, and `verify` checks the old part by the old rule.

Rotation: ``audit.log`` is the live file; ``audit.log.1`` the newest rotated one, then ``.2``
and so on, each possibly gzipped (``audit.log.2.gz``), the scheme of logrotate (``rotate N``,
with or without ``compress``) and of `AuditLog.rotate` (``[audit] rotate_bytes``). When the live
file is empty the chain continues from the newest rotated file's last entry, and that boundary
is checkpointed, so files rotated away later are vouched for.

A torn tail (a crash or a cut in the middle of the last line) is found at start (`recover`) or
at the next append: the bytes after the last whole entry are moved to
``audit.log.torn-<time>``, the fact goes into the chain as an ``audit-tail-set-aside`` entry and
an error line goes to the operational log. Appends go on.

Writers in several processes may append at once: each append holds an exclusive `flock` on the
file while it reads the last entry and writes its own, and fsyncs before letting go.

The log never takes clear values, and an entry is at most ``MAX_LINE`` bytes (`dlp.audit_fields`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.audit_chain import (
    GENESIS,
    ROTATED,
    chain_files,
    entry_hash,
    entry_mac,
    link_of,
    read_lines,
)
from dlp.audit_checkpoints import Checkpoint, Sink
from dlp.audit_fields import FORBIDDEN_KEYS, MAX_LINE, MAX_STRING, AuditError, bounded, clean
from dlp.audit_fields import canonical as _canonical
from dlp.audit_keys import KEY_FILE, AuditKeys
from dlp.audit_verify import Verification, verify_chain

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

log = logging.getLogger("dlp.audit")

_RESERVED = frozenset({"seq", "time", "event", "prev", "hash", "mac"})
_TAIL_WINDOW = 4 * 1024 * 1024  # how far back a torn tail is looked for
SET_ASIDE_EVENT = "audit-tail-set-aside"


def _entry(line: bytes) -> dict[str, object] | None:
    """``line`` as a whole entry (JSON object with a seq and a link), else None."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if (
        isinstance(entry, dict)
        and isinstance(entry.get("seq"), int)
        and isinstance(entry.get("mac", entry.get("hash")), str)
    ):
        return entry
    return None


@dataclass(frozen=True, slots=True)
class SetAside:
    """A torn tail moved out of the log."""

    file: Path
    size: int
    sha256: str


def _tail(handle: int) -> tuple[int, dict[str, object] | None, bytes]:
    """Where the last whole entry ends, that entry, and the bytes after it (a torn tail).

    Reads back from the end, 64 KiB first, more only when no whole entry is in reach."""
    size = os.lseek(handle, 0, os.SEEK_END)
    window = 64 * 1024
    while True:
        start = max(0, size - window)
        data = os.pread(handle, size - start, start)
        end = len(data)
        while end > 0:
            line_start = data.rfind(b"\n", 0, end - 1) + 1 if end > 1 else 0
            if line_start == 0 and start > 0:
                break  # this line may begin before the window
            line = data[line_start:end]
            if line.endswith(b"\n") and (entry := _entry(line)) is not None:
                return start + end, entry, data[end:]
            end = line_start
        else:
            return start, None, data
        if window >= _TAIL_WINDOW:
            raise AuditError("the audit log's last 4 MiB hold no whole entry; run verify")
        window *= 4


class AuditLog:
    """An audit log file. Cheap to create: it opens the file only to append or read.

    ``keys``: the chain key (and the signing key, for checkpoints); None takes (or creates)
    ``audit.key`` and ``audit-signing.key`` beside the log, for tools and tests with no
    settings. ``host`` names the chain in checkpoints; ``checkpoint_every`` entries (0: only
    when asked) a checkpoint goes to each of ``sinks``; ``rotate_bytes`` (0: never) rotates
    the file once it has grown past that size.
    """

    def __init__(
        self,
        path: Path,
        keys: AuditKeys | None = None,
        *,
        host: str = "localhost",
        checkpoint_every: int = 0,
        sinks: Sequence[Sink] = (),
        rotate_bytes: int = 0,
    ) -> None:
        self.path = Path(path)
        self.keys = keys if keys is not None else AuditKeys.beside(self.path.parent)
        self.host = host
        self.checkpoint_every = checkpoint_every
        self.sinks = tuple(sinks)
        self.rotate_bytes = rotate_bytes

    # --- writing --------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[int]:
        """The live file, open for appending under an exclusive lock. A rotation by another
        process between open and lock is seen (another inode) and the new file opened."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(handle).st_ino
                except FileNotFoundError:
                    same = False
            except BaseException:
                os.close(handle)
                raise
            if same:
                break
            os.close(handle)
        try:
            yield handle
        finally:
            os.close(handle)  # closing releases the lock

    def _previous_file_head(self) -> tuple[int, str]:
        """(count, link) at the end of the newest rotated file; (0, GENESIS) when none."""
        files = chain_files(self.path)
        rotated = [file for file in files if file != self.path]
        if not rotated:
            return 0, GENESIS
        last: dict[str, object] | None = None
        for line in read_lines(rotated[-1]):
            last = _entry(line) or last
        if last is None:
            return 0, GENESIS
        return int(str(last["seq"])) + 1, link_of(last)

    def _set_aside(self, handle: int, end: int, torn: bytes) -> SetAside:
        """Move ``torn`` (the bytes after ``end``) to a side file; alert; record it in the chain."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        side = self.path.with_name(f"{self.path.name}.torn-{stamp}")
        fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            os.write(fd, torn)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.ftruncate(handle, end)
        os.fsync(handle)
        found = SetAside(side, len(torn), hashlib.sha256(torn).hexdigest())
        log.error(
            "audit log tail set aside",
            extra={
                "fields": {
                    "event": "audit-log-damaged",
                    "file": str(self.path),
                    "set_aside": str(side),
                    "bytes": len(torn),
                    "note": "a torn or damaged end of the audit log was moved aside; "
                    "run dlp audit verify",
                }
            },
        )
        self._write(
            handle,
            SET_ASIDE_EVENT,
            {"set_aside": side.name, "bytes": found.size, "sha256": found.sha256},
        )
        return found

    def _write(
        self, handle: int, event: str, fields: dict[str, object], sync: bool = True
    ) -> dict[str, object]:
        """One entry after the last whole one (fsynced with ``sync``); a torn tail is set
        aside first."""
        end, last, torn = _tail(handle)
        if torn:
            self._set_aside(handle, end, torn)
            end, last, torn = _tail(handle)
        if last is None:
            seq, prev = self._previous_file_head()
        else:
            seq, prev = int(str(last["seq"])) + 1, link_of(last)
        entry: dict[str, object] = {
            "seq": seq,
            "time": datetime.now(UTC).isoformat(timespec="microseconds"),
            "event": event,
            **fields,
            "prev": prev,
        }
        entry["mac"] = entry_mac(self.keys.chain_key, entry)
        os.write(handle, _canonical(entry) + b"\n")
        if sync:
            os.fsync(handle)
        return entry

    def append(self, event: str, **fields: object) -> dict[str, object]:
        """Append one entry of kind ``event``, fsynced, and return it as written."""
        return self.record(event, fields)

    def record(
        self, event: str, fields: Mapping[str, object], sync: bool = True
    ) -> dict[str, object]:
        """`append` with the fields as a mapping. ``sync=False`` leaves the fsync to the next
        synced entry (or the system): for a record whose loss in a power cut is acceptable
        because an entry written before it, synced, already says what matters."""
        if not event or len(event) > 64:
            raise AuditError("an audit event is a short name")
        for key in fields:
            if key in _RESERVED:
                raise AuditError(f"audit field {key!r} is reserved")
            if key.lower() in FORBIDDEN_KEYS:
                raise AuditError(f"audit field {key!r}: the audit log takes no content")
        cleaned = bounded({key: clean(value, key) for key, value in fields.items()})
        with self._locked() as handle:
            entry = self._write(handle, event, cleaned, sync)
            size = os.fstat(handle).st_size
        seq = int(str(entry["seq"]))
        if seq > 0 and size == len(_canonical(entry)) + 1:
            # The first entry of a new file: vouch for the files before it, which may be
            # rotated away (and deleted) later.
            self._emit(seq, str(entry["prev"]))
        if self.checkpoint_every and (seq + 1) % self.checkpoint_every == 0:
            self._emit(seq + 1, str(entry["mac"]))
        if self.rotate_bytes and size >= self.rotate_bytes:
            self.rotate()
        return entry

    def recover(self) -> SetAside | None:
        """At start: set a torn tail aside (audited and alerted) and continue the chain."""
        if not self.path.exists():
            return None
        with self._locked() as handle:
            end, _, torn = _tail(handle)
            return self._set_aside(handle, end, torn) if torn else None

    def rotate(self) -> None:
        """``path`` becomes ``path.1`` (``.1`` becomes ``.2`` …), after a checkpoint of its head.
        The next entry, in a new file, follows the old head."""
        with self._locked() as handle:
            _, last, _ = _tail(handle)
            if last is None:
                return
            for file in chain_files(self.path)[:-1]:  # the oldest (highest number) first
                found = ROTATED.fullmatch(file.name[len(self.path.name) :])
                assert found is not None
                number = int(found.group(1)) + 1
                file.rename(self.path.with_name(f"{self.path.name}.{number}{found.group(2) or ''}"))
            os.rename(self.path, self.path.with_name(self.path.name + ".1"))
        self._emit(int(str(last["seq"])) + 1, link_of(last))

    # --- checkpoints ----------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """(entries in the chain, the last one's MAC)."""
        if self.path.exists():
            with self._locked() as handle:
                _, last, _ = _tail(handle)
            if last is not None:
                return int(str(last["seq"])) + 1, link_of(last)
        return self._previous_file_head()

    def checkpoint(self) -> Checkpoint | None:
        """Sign the head now and send it to the sinks (at shutdown, or by hand)."""
        count, head = self.head()
        return self._emit(count, head)

    def _emit(self, count: int, head: str) -> Checkpoint | None:
        if not self.sinks or self.keys.signing_key is None or count == 0:
            return None
        checkpoint = Checkpoint.sign(self.keys, self.host, count, head)
        for sink in self.sinks:
            try:
                sink(checkpoint)
            except Exception as error:  # the entry is written; a lost checkpoint is an alert
                log.error(
                    "audit checkpoint not recorded",
                    extra={
                        "fields": {
                            "event": "audit-checkpoint-failed",
                            "count": count,
                            "error": type(error).__name__,
                        }
                    },
                )
        return checkpoint

    # --- reading --------------------------------------------------------------------------

    def entries(self) -> list[dict[str, object]]:
        """The live file's entries (not the rotated ones)."""
        with self.path.open("rb") as file:
            return [json.loads(line) for line in file if line.strip()]


def verify(
    path: str | Path,
    keys: AuditKeys | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
) -> Verification:
    """`dlp.audit_verify.verify_chain`; without ``keys``, those beside the log if there."""
    path = Path(path)
    if keys is None and (path.parent / KEY_FILE).is_file():
        keys = AuditKeys.load(path.parent / KEY_FILE, None, create=False)
    return verify_chain(path, keys, checkpoints, public_key)


__all__ = [
    "FORBIDDEN_KEYS",
    "GENESIS",
    "MAX_LINE",
    "MAX_STRING",
    "AuditError",
    "AuditLog",
    "chain_files",
    "entry_hash",
    "entry_mac",
    "read_lines",
    "verify",
]
