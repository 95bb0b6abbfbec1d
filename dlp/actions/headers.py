"""The ``X-DLP-*`` header fields a relayed or released copy carries: verdict, policy version,
ids; never a value that was found. Fields of that name already in the message are removed
first, so a sender cannot pass a forged verdict downstream."""

from __future__ import annotations

import re
from collections.abc import Sequence

_OURS = re.compile(rb"^x-dlp-", re.IGNORECASE)


# The end of the header block: the first empty line, whichever line endings the message uses
# (SMTP gives CRLF; a message handed over as a file may have bare LF).
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _head_end(raw: bytes) -> int:
    """Where the header block ends: after its last line's ending (the empty line and the body
    start there)."""
    if raw.startswith((b"\r\n", b"\n")):
        return 0
    blank = _BLANK_LINE.search(raw)
    if blank is None:
        return len(raw)  # headers only
    return raw.index(b"\n", blank.start()) + 1


def header_block(raw: bytes) -> bytes:
    """The header block (with its last line's ending), without copying the body."""
    return raw[: _head_end(raw)]


def strip_ours(head: bytes) -> bytes:
    """``head`` without X-DLP-* fields (and their folded lines); every other byte kept."""
    if b"x-dlp-" not in head.lower():
        return head
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = bool(_OURS.match(line))
        if not dropping:
            kept.append(line)
    return b"".join(kept)


def stamp(raw: bytes, fields: Sequence[tuple[str, str]]) -> bytes:
    end = _head_end(raw)
    ours = b"".join(f"{name}: {value}\r\n".encode("ascii", "replace") for name, value in fields)
    with memoryview(raw) as view:  # the body copied once, into the stamped copy
        return b"".join((ours, strip_ours(raw[:end]), view[end:]))
