"""Mail header values to text: RFC 2047 encoded words decoded leniently, display names."""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.header import Header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from dlp.extract.charset import decode

_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def header_text(value: object) -> str:
    """A header value as the reader would see it. Never raises."""
    if isinstance(value, Header):
        value = str(value)
    text = str(value) if value is not None else ""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # Raw 8-bit bytes in a header (not allowed, common): compat32 keeps them as surrogates.
        text = decode(text.encode("utf-8", "surrogateescape"))
    return decode_words(text)


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words; adjacent words join without the space between."""
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.groups()
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    raw = payload.encode("ascii", "replace")
    try:
        if encoding in "bB":
            data = base64.b64decode(raw + b"=" * (-len(raw) % 4))
        else:
            data = quopri.decodestring(raw.replace(b"_", b" "), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode(data, charset)


def display_names(values: list[str]) -> str:
    """Just the names from address headers: the addresses themselves are the envelope's."""
    names = [name.strip() for name, _ in getaddresses([header_text(v) for v in values])]
    return "; ".join(name for name in names if name)


def message_id_of(raw: bytes) -> str:
    """A message's Message-ID as `dlp.extract.mime` reads it, from the header block only."""
    end = _END_OF_HEADERS.search(raw)
    parsed = BytesHeaderParser(policy=compat32).parsebytes(raw[: end.end()] if end else raw)
    return header_text(parsed.get("Message-ID", "")).strip()
