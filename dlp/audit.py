"""The audit log: append-only JSON lines, each chained to the one before by SHA-256.

Every entry carries ``prev`` (the hash of the previous entry, 64 zeros for the first) and
``hash`` (SHA-256 of the entry's canonical JSON without ``hash``). Editing, inserting,
reordering or deleting an entry breaks the chain at that point, and `verify` says where.
Cutting entries off the end cannot be seen from the file alone: keep the last hash elsewhere
(a daily e-mail, a ticket) to detect that.

Writers in several processes may append at once: each append holds an exclusive `flock` on the
file while it reads the last entry and writes its own, and fsyncs before letting go.

The log never takes clear values: fields are JSON data built from findings' masked previews and
digests; raw bytes, text segments, over-long strings and keys that name content are refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dlp.model import Finding, Segment, Unscannable

GENESIS = "0" * 64
# Anything longer is not a summary: a message body, a document, a pasted list.
MAX_STRING = 2048
# Keys whose values would be content rather than facts about content.
FORBIDDEN_KEYS = frozenset(
    {"text", "value", "values", "body", "raw", "content", "clear", "plaintext", "segment"}
)
_RESERVED = frozenset({"seq", "time", "event", "prev", "hash"})
_TAIL_CHUNK = 64 * 1024


class AuditError(ValueError):
    """A field the audit log refuses, or a log it cannot continue."""


def _canonical(entry: Mapping[str, object]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, object]) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def _clean(value: object, key: str) -> object:
    """``value`` as JSON data, or AuditError if it could carry clear content."""
    if isinstance(value, Segment | bytes | bytearray | memoryview):
        raise AuditError(f"audit field {key!r}: {type(value).__name__} holds clear content")
    if isinstance(value, Finding | Unscannable):
        return value.to_dict()
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return _clean(value.to_dict(), key)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise AuditError(f"audit field {key!r}: {len(value)} characters is content, not a fact")
        return value
    if isinstance(value, Mapping):
        cleaned: dict[str, object] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise AuditError(f"audit field {key!r}: keys must be strings")
            if name.lower() in FORBIDDEN_KEYS:
                raise AuditError(f"audit field {key}.{name}: the audit log takes no content")
            cleaned[name] = _clean(item, f"{key}.{name}")
        return cleaned
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_clean(item, key) for item in items]
    raise AuditError(f"audit field {key!r}: {type(value).__name__} is not audit data")


def _last_line(handle: int) -> bytes | None:
    """The last complete line of the open file, read from the end."""
    size = os.lseek(handle, 0, os.SEEK_END)
    if size == 0:
        return None
    position = size
    tail = b""
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        tail = os.pread(handle, step, position) + tail
        stripped = tail.rstrip(b"\n")
        if b"\n" in stripped or position == 0:
            return stripped.rsplit(b"\n", 1)[-1]
    return None


@dataclass(frozen=True, slots=True)
class AuditLog:
    """An audit log file. Cheap to create: it opens the file only to append or read."""

    path: Path

    def append(self, event: str, **fields: object) -> dict[str, object]:
        """Append one entry of kind ``event`` and return it as written."""
        if not event or len(event) > 64:
            raise AuditError("an audit event is a short name")
        for key in fields:
            if key in _RESERVED:
                raise AuditError(f"audit field {key!r} is reserved")
            if key.lower() in FORBIDDEN_KEYS:
                raise AuditError(f"audit field {key!r}: the audit log takes no content")
        cleaned = {key: _clean(value, key) for key, value in fields.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            last = _last_line(handle)
            if last is None:
                seq, prev = 0, GENESIS
            else:
                try:
                    previous = json.loads(last)
                    seq, prev = int(previous["seq"]) + 1, str(previous["hash"])
                except (ValueError, KeyError, TypeError):
                    raise AuditError(
                        f"{self.path}: the last entry is damaged; run verify"
                    ) from None
            entry: dict[str, object] = {
                "seq": seq,
                "time": datetime.now(UTC).isoformat(timespec="microseconds"),
                "event": event,
                **cleaned,
                "prev": prev,
            }
            entry["hash"] = entry_hash(entry)
            os.write(handle, _canonical(entry) + b"\n")
            os.fsync(handle)
        finally:
            os.close(handle)  # closing releases the lock
        return entry

    def entries(self) -> list[dict[str, object]]:
        with self.path.open("rb") as file:
            return [json.loads(line) for line in file if line.strip()]


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int  # entries checked and found sound
    first_bad_line: int | None = None  # 1-based
    reason: str = ""


def verify(path: str | Path) -> Verification:
    """Check the whole chain; report the first entry that does not hold."""
    prev = GENESIS
    good = 0
    with Path(path).open("rb") as file:
        for number, line in enumerate(file, start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                return Verification(False, good, number, "not a JSON entry")
            if not isinstance(entry, dict) or "hash" not in entry:
                return Verification(False, good, number, "no hash")
            if entry.get("seq") != good:
                return Verification(False, good, number, f"sequence {entry.get('seq')} != {good}")
            if entry.get("prev") != prev:
                return Verification(False, good, number, "does not follow the previous entry")
            if entry_hash(entry) != entry["hash"]:
                return Verification(False, good, number, "content changed after it was written")
            prev = str(entry["hash"])
            good += 1
    return Verification(True, good)
