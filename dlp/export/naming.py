"""How an export's file is named in its reports and state: paths are content too.

A drive's file names say what the files hold ("jones 536-22-1234.txt", "IEP_<student>.csv").
Each name is scanned (`dlp.export.worker`), and the reports show it masked by its findings
(`dlp.identifiers`) and then by ``Location.masked`` (digit runs, e-mail addresses). The state
file and baselines match files by keyed digests of their paths, never by the paths.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dlp.identifiers import Names, renamed
from dlp.model import Location, mask_name


def path_digest(secret: bytes, path: str) -> str:
    """The key a file is stored and matched by: equal paths, equal keys, under one secret."""
    message = b"k12-dlp/export/path\x1f" + path.encode("utf-8", "surrogateescape")
    # (``hmac.digest``: the same HMAC-SHA256 in one C call, twice per file's result)
    return hmac.digest(secret, message, hashlib.sha256).hex()[:32]


@dataclass(frozen=True, slots=True)
class ShownPath:
    """A file's place as the reports show it: the whole location and its drive folder."""

    location: str
    folder: str


def shown_path(
    location: tuple[str, ...],
    drive_path: tuple[str, ...],
    names: Mapping[tuple[str, ...], str] | None = None,
    mask: Callable[[str], str] = mask_name,
) -> ShownPath:
    """``names``: the names that held findings, masked by them (`dlp.identifiers.Names`).
    ``drive_path`` is a tail of ``location`` (`dlp.export.files.ExportFile`). ``mask``:
    ``mask_name``, or one that remembers each name's (a file's previews masked them)."""
    masked = [mask(name) for name in renamed(Location(location), names or {}).path]
    drive = masked[len(masked) - len(drive_path) :] if drive_path else []
    return ShownPath(" / ".join(masked) or "-", "/".join(drive[:-1]) or "/")


class ShownLocations:
    """A file's locations as its previews show them: ``renamed`` by the names that held
    findings, then ``Location.masked``.

    A file's cells share its path, and renaming a location (a new ``Location``) cost more
    than masking it: each path's renamed, masked form is made once, until the names change
    (``add``), and put in place of the path's masked form at the head of the location's
    (``Location.masked`` writes the path first, then the rest: ``renamed`` changes only
    the path)."""

    __slots__ = ("_heads", "mask", "names")

    def __init__(self, mask: Callable[[str], str]) -> None:
        self.names: Names = {}
        self.mask = mask
        # {path: (the length of its masked form, its renamed masked form)}; None: renaming
        # leaves it as it is.
        self._heads: dict[tuple[str, ...], tuple[int, str] | None] = {}

    def add(self, names: Names) -> None:
        """Names that held findings, masked by them."""
        if names:
            self.names.update(names)
            self._heads.clear()

    def __call__(self, location: Location) -> str:
        shown = location.masked(self.mask)
        path = location.path
        if not self.names or not path:
            return shown
        heads = self._heads
        if path in heads:
            head = heads[path]
        else:
            head = heads[path] = self._head(path)
        return shown if head is None else head[1] + shown[head[0] :]

    def _head(self, path: tuple[str, ...]) -> tuple[int, str] | None:
        new = renamed(Location(path), self.names).path
        if new == path:
            return None
        mask = self.mask
        return len(" / ".join(map(mask, path))), " / ".join(map(mask, new))
