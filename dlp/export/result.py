"""What a scan learned about one file of an export: safe to store, send and report.

It holds no matched value: findings carry the scanner's masked preview and keyed digest only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Per file, the reports show this many findings and unreadable parts (counts are always full).
MAX_PREVIEWS = 25
MAX_UNSCANNABLE = 25

FINDINGS = "findings"
UNSCANNABLE = "unscannable"
CLEAN = "clean"
NOT_SCANNED = "not scanned"
UNCHANGED = "unchanged"


class StoredResult(NamedTuple):
    """A result as the state file keeps it: the columns it is looked up by, and its JSON
    (``FileResult.to_json``). Workers send this, encoded where they ran: the process that
    stores the results shares the cores with them, and had spent a third of a core decoding
    whole results only to encode them again."""

    key: str
    drive_key: str
    size: int
    mtime: float
    content_hash: str
    text: str


@dataclass(frozen=True, slots=True)
class FileResult:
    key: str
    drive_key: str
    location: str
    folder: str
    size: int
    mtime: float
    content_hash: str
    owner: str
    shared_with: tuple[str, ...]
    exposure: str
    status: str
    metadata_source: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # by entity type
    categories: dict[str, int] = field(default_factory=dict)
    clauses: dict[str, int] = field(default_factory=dict)
    findings: tuple[dict[str, Any], ...] = ()
    findings_total: int = 0
    unscannable: tuple[dict[str, Any], ...] = ()
    unscannable_total: int = 0
    risk: float = 0.0
    # Reading stopped at the per-file finding limit: counts are lower bounds.
    truncated: bool = False
    chars: int = 0
    seconds_read: float = 0.0
    seconds_extract: float = 0.0
    seconds_detect: float = 0.0
    # Images and scanned pages read by OCR, and the time that took (part of seconds_extract).
    ocr_pages: int = 0
    seconds_ocr: float = 0.0

    @property
    def reasons(self) -> list[str]:
        return sorted({str(u["reason"]) for u in self.unscannable})

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not ``dataclasses.asdict``: its deep copy of every finding's dict
        # cost the scan's parent process more than storing the result (and was thrown away).
        record = {name: getattr(self, name) for name in self.__dataclass_fields__}
        record["kind"] = "file"
        record["shared_with"] = list(self.shared_with)
        record["counts"] = dict(self.counts)
        record["categories"] = dict(self.categories)
        record["clauses"] = dict(self.clauses)
        record["findings"] = list(self.findings)
        record["unscannable"] = list(self.unscannable)
        return record

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def stored(self) -> StoredResult:
        return StoredResult(
            self.key, self.drive_key, self.size, self.mtime, self.content_hash, self.to_json()
        )

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> FileResult:
        values = {k: v for k, v in record.items() if k in cls.__dataclass_fields__}
        values["shared_with"] = tuple(values.get("shared_with", ()))
        values["findings"] = tuple(values.get("findings", ()))
        values["unscannable"] = tuple(values.get("unscannable", ()))
        return cls(**values)

    @classmethod
    def from_json(cls, line: str) -> FileResult:
        return cls.from_dict(json.loads(line))
