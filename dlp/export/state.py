"""The state file: which files of an export are done, with their results, in SQLite.

Results are committed as they arrive, so an interrupted scan loses at most the last few
seconds; ``--resume`` skips every file whose size and modification time are unchanged, and the
reports are always written from the state file, so they cover the files of both runs.
The same file (or a previous run's JSON lines) serves as a baseline: files whose content hash
at the same drive path is unchanged are not reported again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from dlp.export.result import StoredResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY,
    drive_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    content_hash TEXT NOT NULL,
    result TEXT NOT NULL
);
"""
_COMMIT_SECONDS = 2.0
SQLITE_MAGIC = b"SQLite format 3\x00"


class StateError(ValueError):
    """The state or baseline file cannot be used; the message says why."""


class ScanState:
    def __init__(self, path: Path, export: str, resume: bool) -> None:
        self.path = path
        if not resume and path.exists():
            path.unlink()
        self.db = sqlite3.connect(path)
        self.db.executescript(_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE name = 'export'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('export', ?)", (export,))
            self.db.commit()
        elif row[0] != export:
            self.db.close()
            raise StateError(f"{path} is the state of a scan of {row[0]}, not of {export}")
        self._last_commit = time.monotonic()
        # Only a resumed scan's state holds results when it opens: a new one has nothing to
        # skip, and walking the export need not look each file up (twice: counted, then
        # scanned).
        self.resumed = self.count() > 0

    def is_done(self, key: str, size: int, mtime: float) -> bool:
        row = self.db.execute("SELECT size, mtime FROM files WHERE key = ?", (key,)).fetchone()
        return row is not None and row[0] == size and row[1] == mtime

    def record(self, result: StoredResult) -> None:
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", result)
        if time.monotonic() - self._last_commit > _COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._last_commit = time.monotonic()

    def results(self) -> Iterator[str]:
        """Every result as stored (``FileResult.to_json``'s text), in the export's order (the
        walk's, by the shown path: the key is a digest), streamed from disk."""
        query = "SELECT result FROM files ORDER BY json_extract(result, '$.location'), key"
        for (text,) in self.db.execute(query):
            yield text

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def load_baseline(path: Path) -> dict[str, str]:
    """{drive path's keyed digest: content hash} from a previous run's state file or JSON
    lines report."""
    try:
        with open(path, "rb") as stream:
            magic = stream.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise StateError(f"cannot read baseline {path}: {error.strerror}") from None
    if magic == SQLITE_MAGIC:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = db.execute("SELECT drive_key, content_hash FROM files").fetchall()
            finally:
                db.close()
        except sqlite3.DatabaseError as error:
            raise StateError(f"baseline {path} is not a scan-export state file ({error})") from None
        return {key: sha for key, sha in rows if sha}
    hashes: dict[str, str] = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise StateError(f"baseline {path}, line {number}: not JSON") from None
            if not isinstance(record, dict) or record.get("kind") != "file":
                continue
            if record.get("content_hash"):
                hashes[str(record["drive_key"])] = str(record["content_hash"])
    if not hashes:
        raise StateError(f"baseline {path} lists no scanned files")
    return hashes
