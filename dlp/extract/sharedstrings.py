"""``xlsx.plain_shared_strings``'s reading of a shared-strings part, in one compiled pass (numba).

Excel keeps every text of a workbook in this part, one ``<si><t>`` item each: two regular
expressions over the whole part (its shape, then anything an XML parser would refuse) and a
third for the texts took some 25 ms for 45,000 strings. The kernel walks the part's bytes
after the root's start tag once: items of the plain shape with ASCII white space between them,
then ``</sst>`` and white space to the end, nothing in the texts that ``_NOT_PLAIN_TEXT``
finds (control characters, "]]>", U+FFFE and U+FFFF, an "&" that starts no named entity); it
gathers the texts one after another, each followed by a "<" (which no text holds), to be
decoded and split by one call each. Anything else, it gives up on (``NOT_UNDERSTOOD``) and the
regular expressions read the part as before: a give-up costs time, never a string.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlp.extract.kernelbytes import _bytes, _literal
from dlp.jit import LazyKernel

NOT_UNDERSTOOD = -1
Kernel = Callable[[bytes, int, np.ndarray], tuple[int, int, int]]


_ITEM = _bytes(b"<si><t>")
_ITEM_PRESERVED = _bytes(b'<si><t xml:space="preserve">')
_ITEM_END = _bytes(b"</t></si>")
_END = _bytes(b"</sst>")
_AMP, _LT, _GT = _bytes(b"amp;"), _bytes(b"lt;"), _bytes(b"gt;")
_QUOT, _APOS = _bytes(b"quot;"), _bytes(b"apos;")
# (``_literal``: ``kernelbytes``'s, compiled into this module's globals, where numba looks
# for the helpers of this kernel)
_HELPERS = ("_literal", "_blank", "_entity")


def warm() -> None:
    kernel = compiled()
    if kernel is not None:
        kernel(b"<sst><si><t>a</t></si></sst>", 5, np.empty(8, dtype=np.uint8))


def _blank(data: bytes, at: int, size: int) -> int:
    """Past the ASCII white space at ``at`` (space, tab, LF, CR; the others are control
    characters, which the part may not hold)."""
    while at < size and (data[at] == 32 or data[at] == 9 or data[at] == 10 or data[at] == 13):
        at += 1
    return at


def _entity(data: bytes, at: int, size: int) -> bool:
    """Whether the "&" at ``at`` starts one of XML's five named entities."""
    after = at + 1
    return (
        _literal(data, after, size, _AMP)
        or _literal(data, after, size, _LT)
        or _literal(data, after, size, _GT)
        or _literal(data, after, size, _QUOT)
        or _literal(data, after, size, _APOS)
    )


def read(data: bytes, start: int, text: np.ndarray) -> tuple[int, int, int]:
    """The items from ``start`` (the end of the root's start tag) to the end of the part:
    (strings, bytes of ``text`` written, the longest text's bytes), or strings =
    NOT_UNDERSTOOD. ``text`` has room for the part's bytes."""
    size = len(data)
    count = 0
    written = 0
    longest = 0
    at = start
    while True:
        at = _blank(data, at, size)
        if _literal(data, at, size, _ITEM):
            at += len(_ITEM)
        elif _literal(data, at, size, _ITEM_PRESERVED):
            at += len(_ITEM_PRESERVED)
        elif _literal(data, at, size, _END):
            if _blank(data, at + len(_END), size) != size:
                return NOT_UNDERSTOOD, 0, 0
            return count, written, longest
        else:
            return NOT_UNDERSTOOD, 0, 0
        begin = written
        while at < size and data[at] != 60:  # "<"
            byte = data[at]
            if byte < 32 and byte != 9 and byte != 10 and byte != 13:
                return NOT_UNDERSTOOD, 0, 0
            if byte == 38 and not _entity(data, at, size):  # "&"
                return NOT_UNDERSTOOD, 0, 0
            if byte == 93 and at + 2 < size and data[at + 1] == 93 and data[at + 2] == 62:
                return NOT_UNDERSTOOD, 0, 0  # "]]>"
            if byte == 0xEF and at + 2 < size and data[at + 1] == 0xBF and data[at + 2] >= 0xBE:
                return NOT_UNDERSTOOD, 0, 0  # U+FFFE, U+FFFF
            if written >= len(text) - 1:
                return NOT_UNDERSTOOD, 0, 0
            text[written] = byte
            written += 1
            at += 1
        if not _literal(data, at, size, _ITEM_END):
            return NOT_UNDERSTOOD, 0, 0
        at += len(_ITEM_END)
        longest = max(longest, written - begin)
        text[written] = 60
        written += 1
        count += 1


# One name with the worksheet reader's kernels: a first start announces "the spreadsheet
# kernel" once. Without reference counting, as they are (it allocates nothing).
compiled = LazyKernel(read, _HELPERS, name="spreadsheet", options={"_nrt": False})
