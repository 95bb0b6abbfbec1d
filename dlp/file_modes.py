"""Who may read the files that protect the district's data: the digest secret, the quarantine's
key and database, the TLS and login files, the audit log.

The gateway and `dlp web` run as one dedicated user (deploy/), so these files need no group
or other access: files 0600, their folders 0700. `PRIVATE_UMASK` makes every file and folder
the programs create that way; `unsafe_modes` finds the ones an administrator made wider.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from dlp.settings import Settings

PRIVATE_UMASK = 0o077


def use_private_umask() -> None:
    """Files and folders created from here on are the running user's only (0600 and 0700)."""
    os.umask(PRIVATE_UMASK)


def protected_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """The files whose readers could read what the gateway protects, with what each is."""
    yield "digest secret", settings.detection.secret_file
    quarantine = settings.quarantine
    yield "quarantine key", quarantine.key_file
    if quarantine.url.startswith("sqlite:///"):
        yield "quarantine database", Path(quarantine.url.removeprefix("sqlite:///"))
    tls = settings.gateway.tls
    if tls.key_file is not None:
        yield "TLS private key", tls.key_file
    if settings.gateway.auth.users_file is not None:
        yield "password hashes", settings.gateway.auth.users_file
    if settings.audit_file is not None:
        yield "audit log", settings.audit_file


def unsafe_modes(settings: Settings) -> list[str]:
    """One line per protected file (or its folder) that others, or the group, may use."""
    found = []
    folders: dict[Path, str] = {}
    for what, path in protected_files(settings):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue  # created 0600 by the gateway when it starts
        except PermissionError:
            # A folder this user may not enter (--check run by someone else): closed to
            # them at least; the folder itself is checked below.
            folders.setdefault(path.parent, what)
            continue
        if mode & 0o077:
            found.append(f"{what} {path} is mode {mode:04o}: chmod 600 {path}")
        folders.setdefault(path.parent, what)
    for folder, what in folders.items():
        try:
            mode = stat.S_IMODE(folder.stat().st_mode)
        except OSError:
            continue
        if mode & 0o007:
            found.append(
                f"folder {folder} (of the {what}) is mode {mode:04o}: others may enter it; "
                f"chmod 700 {folder}"
            )
    return found
