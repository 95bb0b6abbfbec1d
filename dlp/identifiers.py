"""Names that travel with content (Message-IDs, attachment, member and file names), kept masked.

Such a name is scanned as content (the ``file name`` and ``Message-ID`` parts), and its
findings mask it the way they mask a value in text: with a roster, ``IEP_Maria Lopez.csv``
becomes ``IEP_M**** L****.csv`` in every location that holds it, findings of the member inside
included, and ``Location.masked`` then hides what no recognizer claimed (digit runs, e-mail
addresses). A whole Message-ID is kept only as a keyed digest, which staff can search for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from dlp.detect.masking import keyed_digest
from dlp.model import (
    FILE_NAME_PART,
    SUBJECT_PART,
    Finding,
    Location,
    MaskedIdentifier,
    ScanResult,
    mask_name,
)

FILE_NAME = FILE_NAME_PART
_NAME_PARTS = (FILE_NAME_PART, SUBJECT_PART)
# How `dlp.extract.mime` names an attached message without a file name: after its Subject.
_ATTACHED_MESSAGE = re.compile(r"(attached message \d+ \()(.*)\)", re.DOTALL)
_MESSAGE_ID_DIGEST = "MESSAGE_ID"  # the digest's entity type: keys it apart from findings'

# A container's path (raw) -> its own name, masked: the last element of the path replaced.
Names = dict[tuple[str, ...], str]


class Span(Protocol):
    """A finding as far as masking needs it (`Finding` and a stored finding alike)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def masked(self) -> str: ...


def mask_spans(text: str, spans: Iterable[Span]) -> str:
    """``text`` with every span replaced by its masked preview; overlapping spans are covered
    by the first one (never a tail left in clear)."""
    out: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda item: (item.start, -item.end)):
        start, end = max(span.start, 0), min(span.end, len(text))
        if start < position:
            position = max(position, end)
            continue
        if start >= end:
            continue
        out.append(text[position:start])
        out.append(span.masked)
        position = end
    out.append(text[position:])
    return "".join(out)


def message_id_text(value: str) -> str:
    """A Message-ID as it is scanned: the "@" between its two halves a space (same length), so
    that every Message-ID is not taken for an e-mail address; a value in either half is."""
    at = value.rfind("@")
    return value if at < 0 else f"{value[:at]} {value[at + 1 :]}"


def message_id_digest(secret: bytes, value: str) -> str:
    """The keyed digest a Message-ID is found by, with or without its angle brackets."""
    return keyed_digest(secret, _MESSAGE_ID_DIGEST, value.strip().strip("<>").strip())


def masked_message_id(secret: bytes, value: str, spans: Iterable[Span]) -> MaskedIdentifier:
    masked = mask_message_id(mask_spans(value, spans))
    return MaskedIdentifier(masked, message_id_digest(secret, value))


def mask_message_id(value: str) -> str:
    """Digit runs masked in each half (as in any name), the halves kept apart: a whole
    Message-ID looks like an e-mail address, and would otherwise be hidden whole."""
    return "@".join(mask_name(half) for half in value.split("@"))


def masked_name(name: str, part: str | None, spans: Iterable[Span]) -> str | None:
    """``name`` masked by the findings of its own segment: an attachment's or member's name
    (``file name``), or the Subject an attached message is named after (`dlp.extract.mime`);
    None for any other part."""
    if part == FILE_NAME:
        return mask_spans(name, spans)
    named = _ATTACHED_MESSAGE.fullmatch(name) if part == SUBJECT_PART else None
    if named is None:
        return None
    return f"{named.group(1)}{mask_spans(named.group(2), spans)})"


def names_of(findings: Iterable[Finding]) -> Names:
    """The masked form of every name that holds a finding."""
    grouped: dict[tuple[str, ...], list[Finding]] = {}
    # The findings of a segment share its location object: one that names nothing is looked
    # at once, not at each of its findings (a text dense with findings has thousands).
    nameless = None
    for finding in findings:
        location = finding.location
        if location is nameless:
            continue
        if location.part in _NAME_PARTS and location.path:
            grouped.setdefault((*location.path, location.part or ""), []).append(finding)
        else:
            nameless = location
    names: Names = {}
    for key, found in grouped.items():
        path, part = key[:-1], key[-1]
        masked = masked_name(path[-1], part, found)
        if masked is not None:
            names[path] = masked
    return names


def renamed(location: Location, names: Mapping[tuple[str, ...], str]) -> Location:
    """``location`` with every container name that held a finding masked."""
    if not names or not location.path:
        return location
    path = tuple(names.get(location.path[: i + 1], name) for i, name in enumerate(location.path))
    return location if path == location.path else replace(location, path=path)


def rename_result(result: ScanResult) -> ScanResult:
    """The result with names masked by their own findings in every location."""
    names = names_of(result.findings)
    if not names:
        return result
    return replace(
        result,
        findings=tuple(replace(f, location=renamed(f.location, names)) for f in result.findings),
        unscannable=tuple(
            replace(u, location=renamed(u.location, names)) for u in result.unscannable
        ),
    )


def match_names(locations: Iterable[Location], stored: Mapping[str, Sequence[Span]]) -> Names:
    """The names a scan masked, found again from what was stored: for a message extracted
    anew, the raw name whose masking by the findings stored under a location gives that very
    location. ``locations`` in extraction order (a container's name before its members')."""
    candidates = {
        key: spans
        for key, spans in stored.items()
        if key.endswith(tuple(f" / {part}" for part in _NAME_PARTS))
    }
    names: Names = {}
    for location in locations:
        if location.part not in _NAME_PARTS or not location.path or not candidates:
            continue
        outer = renamed(Location(location.path[:-1]), names).path
        for key, spans in candidates.items():
            masked = masked_name(location.path[-1], location.part, spans)
            if masked is None:
                break
            if Location((*outer, masked), part=location.part).masked() == key:
                names[location.path] = masked
                break
    return names
