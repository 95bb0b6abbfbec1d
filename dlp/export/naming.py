"""How an export's file is named in its reports and state: paths are content too.

A drive's file names say what the files hold ("jones 536-22-1234.txt", "IEP_<student>.csv").
Each name is scanned (`dlp.export.worker`), and the reports show it masked by its findings
(`dlp.identifiers`) and then by ``Location.masked`` (digit runs, e-mail addresses). The state
file and baselines match files by keyed digests of their paths, never by the paths.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from dlp.identifiers import renamed
from dlp.model import Location, mask_name


def path_digest(secret: bytes, path: str) -> str:
    """The key a file is stored and matched by: equal paths, equal keys, under one secret."""
    message = b"k12-dlp/export/path\x1f" + path.encode("utf-8", "surrogateescape")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ShownPath:
    """A file's place as the reports show it: the whole location and its drive folder."""

    location: str
    folder: str


def shown_path(
    location: tuple[str, ...],
    drive_path: tuple[str, ...],
    names: Mapping[tuple[str, ...], str] | None = None,
) -> ShownPath:
    """``names``: the names that held findings, masked by them (`dlp.identifiers.Names`).
    ``drive_path`` is a tail of ``location`` (`dlp.export.files.ExportFile`)."""
    masked = [mask_name(name) for name in renamed(Location(location), names or {}).path]
    drive = masked[len(masked) - len(drive_path) :] if drive_path else []
    return ShownPath(" / ".join(masked) or "-", "/".join(drive[:-1]) or "/")
