"""Owner and sharing of each file, from the metadata files an export carries (when it does).

What is read, as far as it could be confirmed from the vendors' documentation:

- Google Vault (Drive): ``EXPORT-metadata.xml`` beside the ``EXPORT_N.zip`` parts. Each
  ``<Document>`` has ``<Tag TagName=... TagValue=...>`` elements: ``#Author`` (the owner, or the
  shared drive's name), ``Collaborators``, ``Viewers``, ``Others`` (who else has access),
  ``FileName``; ``<ExternalFile FileName=...>`` names the file inside the zips (the original
  name with ``_`` and the Drive file ID appended).
- Box admin reports: ``folder_and_file_tree_run_on_*.csv`` (``Owner Name``, ``Owner Login``,
  ``Path``, ``Item Name``, ``Item Type``) and ``collaborations_run_on_*.csv`` (the same plus
  ``Collaborator Login``, ``Collaborator Type``); a folder's collaborators have access to every
  file below it.
- Any other CSV manifest with a path or name column and an owner or sharing column (an
  eDiscovery export's item list, a SharePoint/OneDrive library export): read by column names.

Google Takeout carries no metadata; a file with no entry has owner "unknown".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from lxml import etree

UNKNOWN_OWNER = "unknown"
VAULT_METADATA_SUFFIX = "-metadata.xml"
_SUFFIX_DEPTH = 6  # path suffixes indexed per entry: enough to survive a different root folder
_SPLIT = re.compile(r"[,;\n]+")

# CSV column names, normalised (lower case, letters and digits only), by role, best first.
PATH_COLUMNS = (
    "path",
    "originalpath",
    "filepath",
    "itempath",
    "fullpath",
    "documentpath",
    "location",
    "serverrelativeurl",
    "folderpath",
)
NAME_COLUMNS = ("itemname", "filename", "name", "title", "leafname")
OWNER_COLUMNS = (
    "ownerlogin",
    "owneremail",
    "owner",
    "author",
    "createdby",
    "ownername",
    "custodian",
)
SHARING_COLUMNS = (
    "collaboratorlogin",
    "collaborators",
    "sharedwith",
    "viewers",
    "editors",
    "others",
    "sharing",
    "sharedlinkaccess",
    "sharedlink",
    "permissions",
    "collaboratorname",
)
TYPE_COLUMNS = ("itemtype", "type", "objecttype")


@dataclass(frozen=True, slots=True)
class FileMeta:
    """What the export's metadata says about one file (or folder)."""

    owner: str = UNKNOWN_OWNER
    shared_with: tuple[str, ...] = ()
    is_folder: bool = False
    source: str = ""

    @property
    def known(self) -> bool:
        return bool(self.source)


@dataclass
class MetadataIndex:
    """Entries matched to files by the longest common path suffix (case-insensitive)."""

    entries: list[FileMeta] = field(default_factory=list)
    _by_suffix: dict[str, int | None] = field(default_factory=dict)
    _by_full: dict[str, int] = field(default_factory=dict)
    _depths: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, path: str, meta: FileMeta) -> None:
        parts = _parts(path)
        if not parts:
            return
        full = "/".join(parts)
        existing = self._by_full.get(full)
        if existing is not None:
            # The same item listed again (Box lists one row per collaborator): merge.
            old = self.entries[existing]
            self.entries[existing] = FileMeta(
                old.owner if old.owner != UNKNOWN_OWNER else meta.owner,
                tuple(dict.fromkeys((*old.shared_with, *meta.shared_with))),
                old.is_folder or meta.is_folder,
                old.source or meta.source,
            )
            return
        index = len(self.entries)
        self.entries.append(meta)
        self._depths.append(len(parts))
        self._by_full[full] = index
        for depth in range(1, min(len(parts), _SUFFIX_DEPTH) + 1):
            key = "/".join(parts[-depth:])
            # Two different entries ending the same way: that suffix identifies neither.
            self._by_suffix[key] = index if key not in self._by_suffix else None

    def _find(self, parts: tuple[str, ...]) -> FileMeta | None:
        for depth in range(min(len(parts), _SUFFIX_DEPTH), 0, -1):
            hit = self._by_suffix.get("/".join(parts[-depth:]))
            # A match must cover one of the two paths whole; otherwise they part above it
            # ("a/x.doc" and "b/x.doc" share "x.doc" but are not the same file).
            if hit is not None and depth in (len(parts), self._depths[hit]):
                return self.entries[hit]
        return None

    def lookup(self, drive_path: tuple[str, ...]) -> FileMeta:
        """The file's own entry, with the sharing of every folder above it added."""
        parts = tuple(p.lower() for p in drive_path)
        own = self._find(parts) if parts else None
        owner = own.owner if own else UNKNOWN_OWNER
        shared = list(own.shared_with) if own else []
        source = own.source if own else ""
        for cut in range(len(parts) - 1, 0, -1):
            meta = self._find(parts[:cut])
            if meta is None or not meta.is_folder:
                continue
            shared.extend(meta.shared_with)
            source = source or meta.source
            if owner == UNKNOWN_OWNER:
                owner = meta.owner
        return FileMeta(owner, tuple(dict.fromkeys(shared)), False, source)

    def __len__(self) -> int:
        return len(self.entries)


def _parts(path: str) -> tuple[str, ...]:
    cleaned = path.replace("\\", "/").strip().strip("/").lower()
    return tuple(p for p in cleaned.split("/") if p and p != ".")


def _principals(value: str) -> list[str]:
    """Addresses separated by commas or semicolons (or spaces, when every word is one)."""
    found: list[str] = []
    for piece in _SPLIT.split(value):
        words = piece.split()
        if len(words) > 1 and all("@" in word for word in words):
            found.extend(words)
        elif piece.strip():
            found.append(piece.strip())
    return found


# --- Google Vault ---------------------------------------------------------------------------


def read_vault_xml(stream: IO[bytes], source: str, index: MetadataIndex) -> int:
    """Add every ``<Document>`` of a Vault Drive metadata file; returns how many."""
    count = 0
    for _, element in etree.iterparse(
        stream,
        events=("end",),
        tag="{*}Document",
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    ):
        tags: dict[str, list[str]] = {}
        for tag in element.iter("{*}Tag"):
            name = (tag.get("TagName") or "").strip()
            if name:
                tags.setdefault(name.lstrip("#").lower(), []).append(tag.get("TagValue") or "")
        names = {v for v in tags.get("filename", []) if v}
        for external in element.iter("{*}ExternalFile"):
            if external.get("FileName"):
                names.add(external.get("FileName") or "")
        owner = next((v.strip() for v in tags.get("author", []) if v.strip()), UNKNOWN_OWNER)
        shared: list[str] = []
        for role in ("collaborators", "viewers", "others"):
            for value in tags.get(role, []):
                shared.extend(_principals(value))
        meta = FileMeta(owner, tuple(dict.fromkeys(shared)), False, source)
        for name in names:
            index.add(PurePosixPath(name.replace("\\", "/")).name, meta)
        count += 1
        element.clear()
    return count


# --- CSV manifests (Box reports, eDiscovery item lists) -------------------------------------


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class _Columns:
    path: int | None
    name: int | None
    owners: tuple[int, ...]
    sharing: tuple[int, ...]
    kind: int | None


def manifest_columns(header: Iterable[str]) -> _Columns | None:
    """The roles of a CSV's columns, or None when it is not a metadata manifest."""
    normal = [_normal(h) for h in header]

    def first(candidates: tuple[str, ...]) -> int | None:
        for candidate in candidates:
            if candidate in normal:
                return normal.index(candidate)
        return None

    def every(candidates: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(normal.index(c) for c in candidates if c in normal)

    sharing = every(SHARING_COLUMNS)
    if "collaboratorlogin" in normal:  # the name is only a fallback for the address
        sharing = tuple(i for i in sharing if normal[i] != "collaboratorname")
    columns = _Columns(
        first(PATH_COLUMNS), first(NAME_COLUMNS), every(OWNER_COLUMNS), sharing, first(TYPE_COLUMNS)
    )
    if columns.path is None and columns.name is None:
        return None
    if not columns.owners and not columns.sharing:
        return None
    return columns


def read_manifest_csv(stream: IO[str], source: str, index: MetadataIndex) -> int:
    reader = csv.reader(stream)
    header = next(reader, None)
    columns = manifest_columns(header or [])
    if columns is None:
        return 0
    count = 0
    for row in reader:
        path = _cell(row, columns.path)
        name = _cell(row, columns.name)
        if path and name and _parts(path)[-1:] != _parts(name)[-1:]:
            path = f"{path}/{name}"
        path = path or name
        if not path:
            continue
        owner = next((_cell(row, i) for i in columns.owners if _cell(row, i)), UNKNOWN_OWNER)
        shared = [p for i in columns.sharing for p in _principals(_cell(row, i))]
        is_folder = _cell(row, columns.kind).lower() == "folder"
        index.add(path, FileMeta(owner, tuple(dict.fromkeys(shared)), is_folder, source))
        count += 1
    return count


def _cell(row: list[str], column: int | None) -> str:
    if column is None or column >= len(row):
        return ""
    return row[column].strip()


# --- discovery ------------------------------------------------------------------------------


def is_metadata_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(VAULT_METADATA_SUFFIX) or lower.endswith("-custodian-docid.csv")


def find_metadata(root: Path, extra: Iterable[Path] = ()) -> Iterator[Path]:
    """Metadata files at the top of an export folder, and any named explicitly.

    Only the top level is looked at: a CSV deeper down is someone's content, and is scanned.
    """
    yield from extra
    if not root.is_dir():
        return
    for path in sorted(root.iterdir()):
        if not path.is_file():
            continue
        is_csv = path.suffix.lower() == ".csv"
        if is_metadata_name(path.name) or (is_csv and _csv_is_manifest(path)):
            yield path


def _csv_is_manifest(path: Path) -> bool:
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as stream:
            header = next(csv.reader(stream), None)
    except OSError:
        return False
    return manifest_columns(header or []) is not None


def load_metadata(paths: Iterable[Path]) -> MetadataIndex:
    index = MetadataIndex()
    for path in paths:
        name = path.name
        if name.lower().endswith(".xml"):
            with open(path, "rb") as binary:
                read_vault_xml(binary, name, index)
        elif name.lower().endswith("-custodian-docid.csv"):
            pass  # Vault's custodian-to-DocID map: owners already come from the XML
        else:
            with open(path, newline="", encoding="utf-8-sig", errors="replace") as text:
                read_manifest_csv(text, name, index)
        index.sources.append(name)
    return index
