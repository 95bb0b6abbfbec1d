"""OLE "Package" objects (the Ole10Native stream): a file embedded in an Office document."""

from __future__ import annotations

import struct

from dlp.extract.limits import LimitExceeded
from dlp.model import UnscannableReason


def unpack(native: bytes) -> tuple[str, bytes]:
    """(file name, file content) of an Ole10Native stream.

    Layout: total size, a 2-byte flag, the label and the source path as NUL-terminated ANSI
    strings, 4 unknown bytes, a 4-byte length and the temporary path, then the data's length
    and the data.
    """
    try:
        position = 4 + 2
        label, position = _cstring(native, position)
        _source, position = _cstring(native, position)
        position += 4
        (temp_length,) = struct.unpack_from("<I", native, position)
        position += 4 + temp_length
        (size,) = struct.unpack_from("<I", native, position)
        position += 4
    except (struct.error, ValueError) as error:
        raise LimitExceeded(UnscannableReason.CORRUPT, "damaged embedded package object") from error
    data = native[position : position + size]
    if len(data) != size:
        # Some writers store the raw file without the header: read it as it is.
        return "", native[4:]
    return label, data


def _cstring(data: bytes, position: int) -> tuple[str, int]:
    end = data.index(b"\x00", position)
    return data[position:end].decode("cp1252", errors="replace"), end + 1
