"""Legacy PowerPoint (.ppt), read by walking the records of its document stream ([MS-PPT]).

Slide numbers are not recovered: the text is reported for the file as a whole.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import olefile

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.plaintext import text_segments
from dlp.model import Location, UnscannableReason

_TEXT_CHARS = 0x0FA0  # UTF-16LE
_TEXT_BYTES = 0x0FA8  # 8-bit
_CRYPT_SESSION = 0x2F14
_CONTAINER = 0x000F


def extract(ole: olefile.OleFileIO, location: Location, ctx: Context) -> Iterator[Item]:
    if ole.exists("EncryptedSummary"):
        raise LimitExceeded(UnscannableReason.ENCRYPTED, "password-protected PowerPoint file")
    data = ole.openstream("PowerPoint Document").read()
    pieces: list[str] = []
    position = 0
    records = 0
    while position + 8 <= len(data):
        version_instance, kind, length = struct.unpack_from("<HHI", data, position)
        records += 1
        if records % 4096 == 0:
            ctx.check_time()
        if kind == _CRYPT_SESSION:
            raise LimitExceeded(UnscannableReason.ENCRYPTED, "password-protected PowerPoint file")
        if version_instance & 0x000F == _CONTAINER:
            position += 8
            continue
        body = data[position + 8 : position + 8 + length]
        if kind == _TEXT_CHARS:
            pieces.append(body.decode("utf-16-le", errors="replace"))
        elif kind == _TEXT_BYTES:
            pieces.append(body.decode("cp1252", errors="replace"))
        position += 8 + length
    text = "\n".join(piece.replace("\r", "\n").replace("\x0b", "\n") for piece in pieces)
    yield from text_segments(text, location, ctx)
