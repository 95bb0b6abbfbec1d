"""What an audit entry may hold: JSON facts about content, never content, and not too much.

`clean` turns a field into JSON data or refuses it (raw bytes, text segments, over-long strings,
keys that name content); `bounded` keeps an entry within ``MAX_LINE`` bytes by cutting lists and
tables, each cut counted: ``{"omitted": N}`` as a list's last item, ``"omitted": N`` in a table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from dlp.model import Finding, Segment, Unscannable

# Anything longer is not a summary: a message body, a document, a pasted list.
MAX_STRING = 2048
# One entry, as written. A decision with a million findings is still one bounded line.
MAX_LINE = 64 * 1024
# Keys whose values would be content rather than facts about content.
FORBIDDEN_KEYS = frozenset(
    {"text", "value", "values", "body", "raw", "content", "clear", "plaintext", "segment"}
)


class AuditError(ValueError):
    """A field the audit log refuses, or a log it cannot continue."""


def canonical(entry: Mapping[str, object]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def clean(value: object, key: str) -> object:
    """``value`` as JSON data, or AuditError if it could carry clear content."""
    if isinstance(value, Segment | bytes | bytearray | memoryview):
        raise AuditError(f"audit field {key!r}: {type(value).__name__} holds clear content")
    if isinstance(value, Finding | Unscannable):
        return value.to_dict()
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return clean(value.to_dict(), key)
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
            cleaned[name] = clean(item, f"{key}.{name}")
        return cleaned
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [clean(item, key) for item in items]
    raise AuditError(f"audit field {key!r}: {type(value).__name__} is not audit data")


def _shorten(value: object, limit: int) -> object:
    """``value`` with every list and table cut to ``limit`` items, each cut counted."""
    if isinstance(value, list):
        kept: list[object] = [_shorten(item, limit) for item in value[:limit]]
        if len(value) > limit:
            kept.append({"omitted": len(value) - limit})
        return kept
    if isinstance(value, dict):
        names = list(value)
        table = {name: _shorten(value[name], limit) for name in names[:limit]}
        if len(names) > limit:
            table["omitted"] = len(names) - limit
        return table
    return value


def bounded(fields: dict[str, object], budget: int = MAX_LINE) -> dict[str, object]:
    """``fields`` as they are when they fit in ``budget`` bytes, else with lists cut shorter
    and shorter (100, 20, 5, 1, 0 items) until they do."""
    if len(canonical(fields)) <= budget:
        return fields
    for limit in (100, 20, 5, 1, 0):
        shorter = {key: _shorten(value, limit) for key, value in fields.items()}
        if len(canonical(shorter)) <= budget:
            return shorter
    raise AuditError(f"an audit entry of over {budget} bytes, even with every list cut")
