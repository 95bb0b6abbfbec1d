"""The ``X-DLP-*`` header fields a relayed copy carries: verdict, policy version, ids; never a
value that was found. Fields of that name already in the message are removed first, so a
sender cannot pass a forged verdict downstream."""

from __future__ import annotations

import re
from collections.abc import Sequence

_OURS = re.compile(rb"^x-dlp-", re.IGNORECASE)


def _split(raw: bytes) -> tuple[bytes, bytes]:
    if raw.startswith(b"\r\n"):
        return b"", raw
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return raw, b""
    return raw[: end + 2], raw[end + 2 :]


def header_block(raw: bytes) -> bytes:
    return _split(raw)[0]


def strip_ours(head: bytes) -> bytes:
    if b"x-dlp-" not in head.lower():
        return head
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = bool(_OURS.match(line))
        if not dropping:
            kept.append(line)
    return b"".join(line + b"\r\n" for line in kept)


def stamp(raw: bytes, fields: Sequence[tuple[str, str]]) -> bytes:
    head, rest = _split(raw)
    ours = b"".join(f"{name}: {value}\r\n".encode("ascii", "replace") for name, value in fields)
    return ours + strip_ours(head) + rest
