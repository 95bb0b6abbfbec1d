"""The roster on disk: one file of keyed hashes, replaced atomically on every import.

Format: an uncompressed NumPy ``.npz`` archive holding the arrays of `RosterTables` and a
``manifest`` (UTF-8 JSON as a byte array: format version, fingerprint size, a key check, counts).
It is loaded with ``allow_pickle=False``. A new import is written beside the old file, flushed
to disk, then renamed over it, so a reader sees either the old roster or the new one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from dlp.roster.fingerprint import FP_BITS
from dlp.roster.matcher import RosterMatcher
from dlp.roster.people import Person, Role
from dlp.roster.secret import RosterKeys
from dlp.roster.tables import RosterTables, compile_roster

FORMAT = "k12-dlp-roster"
# 3: exact e-mail addresses, guardian restrictions and eligible students (a version 2 file
# has none of them: `dlp roster import` again).
VERSION = 3


class RosterStoreError(ValueError):
    """A roster file that is missing, damaged, or made with another secret."""


@dataclass(frozen=True, slots=True)
class RoleChanges:
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What a re-import changed, as counts only."""

    changes: dict[str, RoleChanges]
    forms: int

    def to_dict(self) -> dict[str, object]:
        return {
            "forms": self.forms,
            **{
                role: {
                    "added": c.added,
                    "removed": c.removed,
                    "changed": c.changed,
                    "unchanged": c.unchanged,
                }
                for role, c in self.changes.items()
            },
        }


def _people_by_subject(tables: RosterTables) -> dict[bytes, tuple[int, bytes]]:
    return {
        tables.person_subject[i].tobytes(): (
            int(tables.person_role[i]),
            tables.person_content[i].tobytes(),
        )
        for i in range(tables.people)
    }


def diff(old: RosterTables | None, new: RosterTables) -> dict[str, RoleChanges]:
    before = _people_by_subject(old) if old is not None else {}
    after = _people_by_subject(new)
    counts = {role: [0, 0, 0, 0] for role in Role}
    for subject, (role, content) in after.items():
        previous = before.get(subject)
        if previous is None:
            counts[Role(role)][0] += 1
        elif previous[1] != content:
            counts[Role(role)][2] += 1
        else:
            counts[Role(role)][3] += 1
    for subject, (role, _) in before.items():
        if subject not in after:
            counts[Role(role)][1] += 1
    return {role.label: RoleChanges(*values) for role, values in counts.items()}


class RosterStore:
    """A roster file and the secret it is hashed under."""

    def __init__(self, path: Path, keys: RosterKeys) -> None:
        self.path = path
        self._keys = keys

    @classmethod
    def open(cls, path: Path, secret: bytes) -> RosterStore:
        return cls(Path(path), RosterKeys(secret))

    @property
    def keys(self) -> RosterKeys:
        return self._keys

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> RosterTables:
        try:
            with np.load(self.path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except FileNotFoundError:
            raise RosterStoreError(f"no roster at {self.path}: run `dlp roster import`") from None
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise RosterStoreError(f"{self.path}: not a readable roster file ({error})") from None
        try:
            manifest = json.loads(arrays.pop("manifest").tobytes().decode("utf-8"))
        except (KeyError, ValueError):
            raise RosterStoreError(f"{self.path}: roster file has no manifest") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise RosterStoreError(
                f"{self.path}: not a version {VERSION} roster file "
                "(made by an older release? run `dlp roster import` again)"
            )
        if manifest.get("fingerprint_bits") != FP_BITS:
            raise RosterStoreError(
                f"{self.path}: made with {manifest.get('fingerprint_bits')}-bit fingerprints"
            )
        if manifest.get("key_check") != self._keys.key_check():
            raise RosterStoreError(f"{self.path}: roster was hashed with a different secret")
        try:
            return RosterTables.from_arrays(arrays)
        except KeyError as error:
            raise RosterStoreError(f"{self.path}: roster file lacks {error}") from None

    def matcher(self) -> RosterMatcher:
        return RosterMatcher(self.load(), self._keys)

    def import_people(
        self,
        people: Iterable[Person],
        source_format: str,
        today: date | None = None,
        *,
        source: str = "",
    ) -> ImportReport:
        """Replace the roster with ``people``; report what changed, in counts. ``source``
        (an API's address, no credentials) is kept in the manifest for `dlp roster info`.
        ``today``: the day students' eligibility (18 or over) is judged on, the import's by
        default."""
        old = self.load() if self.exists() else None
        tables = compile_roster(people, self._keys, today)
        report = ImportReport(diff(old, tables), forms=len(tables.form_key))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint_bits": FP_BITS,
            "key_check": self._keys.key_check(),
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_format": source_format,
            "people": tables.role_counts(),
            "forms": report.forms,
            "roster_version": tables.version(),
        }
        if source:
            manifest["source"] = source
        self._write(tables, manifest)
        return report

    def _write(self, tables: RosterTables, manifest: dict[str, object]) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        arrays = tables.arrays()
        arrays["manifest"] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, allow_pickle=False, **arrays)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
