"""OpenPGP ASCII armor (RFC 4880, section 6.2): is there a real encrypted block in a text?

A body that only mentions "-----BEGIN PGP MESSAGE-----" (a how-to, a quoted error, a
security bulletin) is not encrypted. A real block has the BEGIN line, optional armor headers
("Version: ...", "Comment: ..."), a blank line, base64 lines, an optional "=" CRC-24
checksum line and the END line. A block quoted in a reply keeps its shape behind the same
quote marks on every line ("> "), so the prefix of the BEGIN line is required on each line.
"""

from __future__ import annotations

import re

_ARMORED_MESSAGE = re.compile(
    r"^(?P<quote>[ \t>]*)-----BEGIN PGP MESSAGE-----[ \t]*\r?\n"
    r"(?:(?P=quote)[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r?\n)*"  # armor headers
    r"(?P=quote)[ \t]*\r?\n"  # the blank line that ends them
    r"(?:(?P=quote)[A-Za-z0-9+/]+=*[ \t]*\r?\n)+"  # base64 body
    r"(?:(?P=quote)=[A-Za-z0-9+/]{4}[ \t]*\r?\n)?"  # CRC-24 checksum
    r"(?P=quote)-----END PGP MESSAGE-----",
    re.MULTILINE,
)


def has_pgp_message(text: str) -> bool:
    """Whether ``text`` holds an ASCII-armored OpenPGP message (not a mere mention of one)."""
    if "-----BEGIN PGP MESSAGE-----" not in text:
        return False  # the common case, without running the pattern
    return _ARMORED_MESSAGE.search(text) is not None
