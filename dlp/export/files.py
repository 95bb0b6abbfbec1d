"""An export, walked into units of work: one per file a person put in the drive.

An export is a folder, a zip, or a folder of zips (Vault's ``NAME_0.zip``, Takeout's
``takeout-...-001.zip``). Zips at the top of the export are the export's own packaging: their
members are the drive's files and become units of their own, so that they are scanned in parallel
and matched with the metadata. A zip anywhere deeper is the drive owner's content and is scanned
as one file (the extractor opens it).
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Skipped by type before anything is read: they hold no text the scanner could read, and they
# are most of the bytes of a real drive. Each is still reported, as not scanned.
IMAGE_EXTENSIONS = frozenset(
    (
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".bmp",
        ".tif",
        ".tiff",
        ".heic",
        ".heif",
        ".webp",
        ".ico",
        ".raw",
        ".cr2",
        ".nef",
    )
)
MEDIA_EXTENSIONS = frozenset(
    (
        ".mp4",
        ".m4v",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".wmv",
        ".flv",
        ".mpg",
        ".mpeg",
        ".3gp",
        ".mp3",
        ".wav",
        ".m4a",
        ".aac",
        ".flac",
        ".ogg",
        ".oga",
        ".wma",
        ".aiff",
    )
)
# Takeout puts the drive under these folders inside each of its zips.
_TAKEOUT_PREFIX = ("Takeout", "Drive")
_SKIPPED_MEMBER_PREFIXES = ("__MACOSX/",)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of the export and where to read it from.

    ``location`` is what reports show (it starts with the export zip's name when the file came
    from one); ``drive_path`` is the file's path inside the drive, the same from one export of
    a drive to the next, which is what metadata and baselines are matched on.
    """

    location: tuple[str, ...]
    drive_path: tuple[str, ...]
    disk_path: str
    member: str | None
    size: int
    mtime: float
    compressed_size: int = 0
    encrypted: bool = False

    @property
    def key(self) -> str:
        return "/".join(self.location)

    @property
    def drive_key(self) -> str:
        return "/".join(self.drive_path)

    @property
    def folder(self) -> str:
        return "/".join(self.drive_path[:-1]) or "/"

    @property
    def name(self) -> str:
        return self.drive_path[-1] if self.drive_path else ""

    @property
    def skip_kind(self) -> str | None:
        """``"image"`` or ``"media"`` when the file is skipped by type, else None."""
        suffix = PurePosixPath(self.name).suffix.lower()
        if suffix in IMAGE_EXTENSIONS:
            return "image"
        if suffix in MEDIA_EXTENSIONS:
            return "media"
        return None


def is_export_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip" and zipfile.is_zipfile(path)


def walk_export(root: Path, skip: frozenset[str] = frozenset()) -> Iterator[ExportFile]:
    """Every file of the export, in a stable order, lazily (memory does not grow with it).

    ``skip`` holds keys (``ExportFile.key``) not to yield: the export's own metadata files.
    """
    root = Path(root)
    if root.is_file():
        if is_export_zip(root):
            yield from _zip_members(root, root.name, skip)
        else:
            yield _disk_file(root, (root.name,), root.stat())
        return
    for directory, subdirs, filenames in os.walk(root):
        subdirs.sort()
        relative = Path(directory).relative_to(root).parts
        for filename in sorted(filenames):
            path = Path(directory) / filename
            if "/".join((*relative, filename)) in skip:
                continue
            try:
                info = path.stat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if not relative and is_export_zip(path):
                yield from _zip_members(path, filename, skip)
            else:
                yield _disk_file(path, (*relative, filename), info)


def _disk_file(path: Path, parts: tuple[str, ...], info: os.stat_result) -> ExportFile:
    return ExportFile(
        location=parts,
        drive_path=parts,
        disk_path=str(path),
        member=None,
        size=info.st_size,
        mtime=info.st_mtime,
    )


def _zip_members(path: Path, zip_name: str, skip: frozenset[str]) -> Iterator[ExportFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        # Reported by the worker, which will fail to open it the same way.
        info = path.stat()
        yield ExportFile((zip_name,), (zip_name,), str(path), None, info.st_size, info.st_mtime)
        return
    with archive:
        for member in archive.infolist():
            if member.is_dir() or member.filename.startswith(_SKIPPED_MEMBER_PREFIXES):
                continue
            parts = tuple(p for p in PurePosixPath(member.filename).parts if p not in ("", "/"))
            if "/".join((zip_name, *parts)) in skip:
                continue
            drive = parts[2:] if parts[:2] == _TAKEOUT_PREFIX and len(parts) > 2 else parts
            yield ExportFile(
                location=(zip_name, *parts),
                drive_path=drive,
                disk_path=str(path),
                member=member.filename,
                size=member.file_size,
                mtime=_zip_mtime(member),
                compressed_size=member.compress_size,
                encrypted=bool(member.flag_bits & 0x1),
            )


def _zip_mtime(member: zipfile.ZipInfo) -> float:
    """The member's own timestamp (as a number), which changes when the drive's file does."""
    year, month, day, hour, minute, second = member.date_time
    return float(((((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute) * 100 + second)
