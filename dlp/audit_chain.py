"""The chain's links: how an entry is hashed and keyed, and which files hold the chain.

Shared by the writer (`dlp.audit`) and the checker (`dlp.audit_verify`), so that neither
imports the other for them.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from dlp.audit_fields import canonical as _canonical

GENESIS = "0" * 64
_MAC_CONTEXT = b"k12-dlp audit v2\n"
ROTATED = re.compile(r"\.(\d+)(\.gz)?$")


def entry_hash(entry: Mapping[str, object]) -> str:
    """The unkeyed SHA-256 of logs written before keyed chains (verified, never written)."""
    return hashlib.sha256(_canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def entry_mac(key: bytes, entry: Mapping[str, object]) -> str:
    body = _canonical({k: v for k, v in entry.items() if k != "mac"})
    return hmac.new(key, _MAC_CONTEXT + body, hashlib.sha256).hexdigest()


def link_of(entry: Mapping[str, object]) -> str:
    """What the next entry's ``prev`` is: the MAC, or an old entry's hash."""
    return str(entry["mac"] if "mac" in entry else entry["hash"])


def chain_files(path: Path) -> list[Path]:
    """The files of the chain, oldest first: ``path.N[.gz]`` … ``path.1[.gz]``, then ``path``."""
    rotated: list[tuple[int, Path]] = []
    if path.parent.is_dir():
        for candidate in path.parent.iterdir():
            if not candidate.name.startswith(path.name + "."):
                continue
            found = ROTATED.fullmatch(candidate.name[len(path.name) :])
            if found:
                rotated.append((int(found.group(1)), candidate))
    ordered = [file for _, file in sorted(rotated, key=lambda item: -item[0])]
    return [*ordered, path] if path.exists() else ordered


def read_lines(file: Path) -> Iterator[bytes]:
    opener = gzip.open if file.name.endswith(".gz") else open
    with opener(file, "rb") as handle:
        yield from handle
