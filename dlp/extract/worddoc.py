"""Legacy Word documents (.doc, Word 97 and later), read from the piece table ([MS-DOC]).

No maintained Python library reads .doc text, but its text layout is simple: the FIB says
where the piece table is, and each piece is a run of cp1252 or UTF-16 text.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

import olefile

from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.plaintext import text_segments
from dlp.model import Location, UnscannableReason

_WORD_IDENT = 0xA5EC
_WORD6_IDENT = 0xA5DC
_FIB_CLX_OFFSET = 0x01A2  # fcClx in FibRgFcLcb97
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
_MIN_NFIB_97 = 0x00C1
# Field instructions (between 0x13 and 0x14) are codes, not text; results are kept.
_FIELD_CODE = re.compile("\x13[^\x13\x14\x15]*\x14")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x13-\x15]")
_TRANSLATE = str.maketrans({"\r": "\n", "\x07": "\t", "\x0b": "\n", "\x0c": "\n"})


def extract(
    ole: olefile.OleFileIO, location: Location, ctx: Context, storage: tuple[str, ...] = ()
) -> Iterator[Item]:
    """``storage`` is where the document lives inside the file (an embedded document)."""
    word = ole.openstream([*storage, "WordDocument"]).read()
    if len(word) < _FIB_CLX_OFFSET + 8:
        raise LimitExceeded(UnscannableReason.CORRUPT, "Word file too short to hold its header")
    ident, nfib = struct.unpack_from("<HH", word, 0)
    (flags,) = struct.unpack_from("<H", word, 0x0A)
    if ident == _WORD6_IDENT:
        nfib = 0  # Word 6/95: handled below
    elif ident != _WORD_IDENT:
        raise LimitExceeded(UnscannableReason.CORRUPT, "not a valid Word document header")
    if flags & _F_ENCRYPTED or (nfib >= _MIN_NFIB_97 and flags & _F_OBFUSCATED):
        raise LimitExceeded(UnscannableReason.ENCRYPTED, "password-protected Word document")
    if nfib < _MIN_NFIB_97:
        raise LimitExceeded(
            UnscannableReason.UNSUPPORTED, "Word 6/95 documents are not supported (Word 97+ are)"
        )
    table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    if not ole.exists("/".join([*storage, table_name])):
        raise LimitExceeded(UnscannableReason.CORRUPT, "Word document without its table stream")
    table = ole.openstream([*storage, table_name]).read()
    fc_clx, lcb_clx = struct.unpack_from("<II", word, _FIB_CLX_OFFSET)
    text = _piece_text(word, table[fc_clx : fc_clx + lcb_clx], ctx)
    text = _CONTROL.sub("", _FIELD_CODE.sub("", text)).translate(_TRANSLATE)
    yield from text_segments(text, location, ctx)


def _piece_text(word: bytes, clx: bytes, ctx: Context) -> str:
    position = 0
    # Skip the formatting entries (Prc) that may come before the piece table (Pcdt).
    while position < len(clx) and clx[position] == 0x01:
        (size,) = struct.unpack_from("<h", clx, position + 1)
        position += 3 + max(size, 0)
    if position >= len(clx) or clx[position] != 0x02:
        raise LimitExceeded(UnscannableReason.CORRUPT, "Word document piece table is damaged")
    (lcb,) = struct.unpack_from("<I", clx, position + 1)
    plc = clx[position + 5 : position + 5 + lcb]
    count = (len(plc) - 4) // 12
    if count <= 0:
        return ""
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces: list[str] = []
    for index in range(count):
        if index % 256 == 0:
            ctx.check_time()
        (fc_raw,) = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)
        length = cps[index + 1] - cps[index]
        if length <= 0:
            continue
        if fc_raw & 0x40000000:
            start = (fc_raw & 0x3FFFFFFF) // 2
            pieces.append(word[start : start + length].decode("cp1252", errors="replace"))
        else:
            start = fc_raw & 0x3FFFFFFF
            pieces.append(word[start : start + 2 * length].decode("utf-16-le", errors="replace"))
    return "".join(pieces)
