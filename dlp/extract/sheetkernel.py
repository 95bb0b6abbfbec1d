"""``sheetxml._QUICK``'s reading of a block of worksheet rows, in one compiled pass (numba).

The regular expression reads a block as a list of 7-tuples of strings, and a Python loop then
turns them into rows: most of the time a 1 MB sheet takes. This kernel walks the ASCII bytes of
the block once and hands back, in arrays the caller gives it, what the reader needs by columns:
each row's number, and for each cell that has a value its column's number, row, type, style,
length, whether the value holds a character reference or a carriage return, and a shared
string's index; the values themselves one after another, ready to be split into strings.

It accepts only what ``_QUICK`` reads one for one, and gives up (``NOT_UNDERSTOOD``) on
anything else: a comment, a processing instruction, white space other than single spaces
inside a row or cell tag, attributes out of order, a cell outside a row. The caller then
reads the block as before, so a give-up costs time, never a cell (tests/extract/
test_sheetxml.py holds both readers to each other and to lxml's reading).

numba is imported and the kernel compiled on first use, cached like the roster's kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlp.extract.kernelbytes import _bytes, _literal
from dlp.jit import LazyKernel

NOT_UNDERSTOOD = -1
# A kept cell's fields, each a row of the cells array: its column's number ("A" = 1), its
# row's index in the block, its type (``KIND_*``), its style (-1: none), 1 when its value as
# written holds a character reference or a carriage return, the value's length in bytes, and
# a shared string's index when written as plain digits (else -1).
COLUMN, ROW_INDEX, KIND, STYLE, SPECIAL, LENGTH, INDEX = range(7)
CELL_FIELDS = 7
# The type attribute, as the reader needs it.
KIND_NONE, KIND_N, KIND_S, KIND_B, KIND_INLINE, KIND_OTHER = range(6)
# A number cell whose text the kernel wrote as Excel shows it (see `_shown`): nothing is left
# to do to it.
KIND_SHOWN = 6
# A number cell with a date style (``dated``): the reader writes it as a date.
KIND_DATED = 7
# Excel's 15 significant digits (``sheetxml.SHOWN_DIGITS``); a longer value may be rounded.
_SHOWN_DIGITS = 15
FROM_V, FROM_INLINE, NO_VALUE = 0, 1, 2

Kernel = Callable[
    [bytes, np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[int, int, int, int, int]
]


# The fixed pieces of the shape, as arrays: numba freezes global arrays into the kernel.
_ROW_TAG = _bytes(b"<row")
_SELF_CLOSE = _bytes(b"/>")
_CELL_TAG = _bytes(b'<c r="')
_STYLE = _bytes(b' s="')
_TYPE = _bytes(b' t="')
_INLINE_STR_QUOTED = _bytes(b'inlineStr"')
_FORMULA = _bytes(b"<f")
_FORMULA_END = _bytes(b"</f>")
_VALUE = _bytes(b"<v>")
_VALUE_END = _bytes(b"</v>")
_INLINE = _bytes(b"<is><t>")
_INLINE_PRESERVED = _bytes(b'<is><t xml:space="preserve">')
_INLINE_END = _bytes(b"</t></is>")
_CELL_END = _bytes(b"</c>")
_SHEET_DATA_END = _bytes(b"</sheetData")
_HELPERS = (
    "_is_name",
    "_is_space",
    "_digits",
    "_number",
    "_literal",
    "_attribute",
    "_text_until_tag",
    "_value_until_tag",
    "_kind",
    "_index",
    "_shown",
)


def warm() -> None:
    """Load (or compile) the compiled readers of Office parts: this one, the shared strings'
    and Word's (the workers warm them all through this one call)."""
    from dlp.extract import docxkernel, sharedstrings

    sharedstrings.warm()
    docxkernel.warm()
    kernel = compiled()
    if kernel is not None:
        block = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        cell_room, row_room, text_room = capacities(len(block))
        kernel(
            block,
            np.empty((CELL_FIELDS, cell_room), dtype=np.int64),
            np.empty(row_room, dtype=np.int64),
            np.empty(text_room, dtype=np.uint8),
            np.zeros(1, dtype=np.uint8),
        )


def _is_name(byte: int) -> bool:
    # [\w:] in ASCII: letters, digits, "_" and ":"
    return 48 <= byte <= 58 or 65 <= byte <= 90 or 97 <= byte <= 122 or byte == 95


def _is_space(byte: int) -> bool:
    # str.isspace in ASCII, as the regular expressions' \s sees it
    return byte == 32 or 9 <= byte <= 13 or 28 <= byte <= 31


def _digits(data: bytes, at: int, size: int) -> int:
    """Where a run of ASCII digits starting at ``at`` ends."""
    while at < size and 48 <= data[at] <= 57:
        at += 1
    return at


def _number(data: bytes, start: int, end: int) -> int:
    value = 0
    for at in range(start, end):
        value = value * 10 + (data[at] - 48)
    return value


def _attribute(data: bytes, at: int, size: int) -> tuple[int, int, int, int, int]:
    """`` name="value"`` at ``at``: (name start, name end, value start, value end, next), or
    next = -1 when what is there is not one. A value with a "<" is not one (XML forbids it):
    so every "<" of a block the kernel reads is a tag it has looked at, and none is an
    "</sheetData" it went past (see `read`)."""
    if at >= size or data[at] != 32:
        return 0, 0, 0, 0, -1
    name = at + 1
    end = name
    while end < size and _is_name(data[end]):
        end += 1
    if end == name or end + 1 >= size or data[end] != 61 or data[end + 1] != 34:
        return 0, 0, 0, 0, -1
    value = end + 2
    close = value
    while close < size and data[close] != 34 and data[close] != 60:
        close += 1
    if close >= size or data[close] == 60:
        return 0, 0, 0, 0, -1
    return name, end, value, close, close + 1


def _text_until_tag(data: bytes, at: int, size: int) -> tuple[int, int]:
    """[^<]* from ``at``: (end, 1 when it holds "&" or a carriage return)."""
    special = 0
    while at < size and data[at] != 60:
        if data[at] == 38 or data[at] == 13:
            special = 1
        at += 1
    return at, special


def _value_until_tag(
    data: bytes, at: int, size: int, out: np.ndarray, written: int
) -> tuple[int, int]:
    """`_text_until_tag`, copying the text to ``out`` from ``written`` as it goes (a kept
    cell's value then needs no second pass; another's is written over). ``out`` has room:
    what the kernel has written is shorter than what it has read."""
    special = 0
    while at < size:
        byte = data[at]
        if byte == 60:
            break
        if byte == 38 or byte == 13:
            special = 1
        out[written] = byte
        written += 1
        at += 1
    return at, special


def _kind(data: bytes, start: int, size: int) -> tuple[int, int]:
    """The type attribute's value from ``start`` to its closing quote: (kind, where after the
    quote), or where = -1 when it is not a name without a colon. The common one-letter values
    and "inlineStr" are told by a look at their bytes, before any loop over a name."""
    if start + 1 < size and data[start + 1] == 34:  # one letter, then the closing quote
        letter = data[start]
        if letter == 110:
            return KIND_N, start + 2
        if letter == 115:
            return KIND_S, start + 2
        if letter == 98:
            return KIND_B, start + 2
    if _literal(data, start, size, _INLINE_STR_QUOTED):
        return KIND_INLINE, start + 10
    end = start
    while end < size and (_is_name(data[end]) and data[end] != 58):
        end += 1
    if end == start or end >= size or data[end] != 34:
        return KIND_OTHER, -1
    return KIND_OTHER, end + 1


def read(
    data: bytes, cells: np.ndarray, rows: np.ndarray, text: np.ndarray, dated: np.ndarray
) -> tuple[int, int, int, int, int]:
    """The block's kept cells into ``cells`` (one row of ``CELL_FIELDS`` per field), its rows'
    numbers (-1: none) into ``rows`` and the kept cells' values as written into ``text``,
    each followed by a "<": (cells, rows, bytes of text, where it stopped, cells to fix), or
    cells = NOT_UNDERSTOOD. It stops at the first "</sheetData" (where = -1: none, read to
    the end), and what it read up to there is what it reads of the block cut there.

    A kept cell has a value and it is the one its type reads (``<v>``, or the inline string
    of an "inlineStr"). A shared string's index read as a number (``INDEX``) has no text
    written (an empty one) and length 0. A long plain fraction in a number cell whose style
    is no date (``dated[style]`` is 0, or out of its range) is written rounded, as Excel
    shows it, when `_shown` can tell how; its type is then ``KIND_SHOWN``. A number cell with
    a date style has the type ``KIND_DATED``.

    A cell to fix is one whose text is not its value as written (a shared string, boolean or
    date, a reference or carriage return, a long number left to round): counted here, where
    its fields are at hand, so that a block with none skips ``sheetxml._fixed`` without a
    look at them (numpy's steps for that cost some 30 us a block in a worker).

    Nothing is allocated here: the caller sizes the arrays (`capacities`), and the compiled
    code then holds no reference counts, which cost as much as the reading.
    """
    size = len(data)
    kept = 0
    fixes = 0
    row_count = 0
    written = 0
    open_row = False
    at = 0
    while at < size:
        if data[at] != 60:  # "<"
            at += 1
            continue
        if at + 1 < size and (data[at + 1] == 33 or data[at + 1] == 63):  # "<!", "<?"
            return NOT_UNDERSTOOD, 0, 0, -1, 0
        if at + 1 < size and data[at + 1] == 47 and _literal(data, at, size, _SHEET_DATA_END):
            return kept, row_count, written, at, fixes
        follow = data[at + 4] if at + 4 < size else 0
        if _literal(data, at, size, _ROW_TAG) and (
            _is_space(follow) or follow == 47 or follow == 62
        ):
            at += 4
            number = -1
            while at < size and data[at] == 32:
                name, name_end, value, value_end, after = _attribute(data, at, size)
                if after < 0:
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
                if number < 0 and name_end - name == 1 and data[name] == 114:  # r
                    if value == value_end or _digits(data, value, value_end) != value_end:
                        return NOT_UNDERSTOOD, 0, 0, -1, 0
                    if value_end - value > 18:
                        return NOT_UNDERSTOOD, 0, 0, -1, 0
                    number = _number(data, value, value_end)
                at = after
            empty = False
            if _literal(data, at, size, _SELF_CLOSE):
                empty = True
                at += 2
            elif at < size and data[at] == 62:
                at += 1
            else:
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            if row_count >= len(rows):
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            rows[row_count] = number
            row_count += 1
            open_row = not empty
            continue
        follow = data[at + 2] if at + 2 < size else 0
        if at + 1 < size and data[at + 1] == 99:  # "<c"
            if not (_is_space(follow) or follow == 47 or follow == 62):
                at += 2  # "<col", "<cfRule": not a cell
                continue
            if not open_row or not _literal(data, at, size, _CELL_TAG):
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            letters = at + 6
            letters_end = letters
            while letters_end < size and 65 <= data[letters_end] <= 90:
                letters_end += 1
            if not 1 <= letters_end - letters <= 3:
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            column = 0  # "A" is 1, "Z" 26, "AA" 27
            for letter in range(letters, letters_end):
                column = column * 26 + (data[letter] - 64)
            digits_end = _digits(data, letters_end, size)
            if digits_end == letters_end or digits_end >= size or data[digits_end] != 34:
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            at = digits_end + 1
            style = -1
            if _literal(data, at, size, _STYLE):
                end = _digits(data, at + 4, size)
                if end == at + 4 or end >= size or data[end] != 34 or end - at - 4 > 18:
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
                style = _number(data, at + 4, end)
                at = end + 1
            kind = KIND_NONE
            if _literal(data, at, size, _TYPE):
                kind, at = _kind(data, at + 4, size)
                if at < 0:
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
            while at < size and data[at] == 32:
                name, name_end, value, value_end, after = _attribute(data, at, size)
                if after < 0:
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
                if name_end - name == 1 and (data[name] == 115 or data[name] == 116):
                    return NOT_UNDERSTOOD, 0, 0, -1, 0  # "s" or "t" again, or out of order
                at = after
            source = NO_VALUE
            value = value_end = 0
            special = 0
            if _literal(data, at, size, _SELF_CLOSE):
                at += 2
            elif at < size and data[at] == 62:
                at += 1
                # An optional formula: <f>...</f>, <f .../> or <f ...>...</f>.
                if (
                    _literal(data, at, size, _FORMULA)
                    and at + 2 < size
                    and (data[at + 2] == 32 or data[at + 2] == 62 or data[at + 2] == 47)
                ):
                    at += 2
                    while at < size and data[at] == 32:
                        _, _, _, _, after = _attribute(data, at, size)
                        if after < 0:
                            return NOT_UNDERSTOOD, 0, 0, -1, 0
                        at = after
                    if _literal(data, at, size, _SELF_CLOSE):
                        at += 2
                    elif at < size and data[at] == 62:
                        at, _ = _text_until_tag(data, at + 1, size)
                        if not _literal(data, at, size, _FORMULA_END):
                            return NOT_UNDERSTOOD, 0, 0, -1, 0
                        at += 4
                    else:
                        return NOT_UNDERSTOOD, 0, 0, -1, 0
                if _literal(data, at, size, _VALUE):
                    value = at + 3
                    value_end, special = _value_until_tag(data, value, size, text, written)
                    if not _literal(data, value_end, size, _VALUE_END):
                        return NOT_UNDERSTOOD, 0, 0, -1, 0
                    source = FROM_V
                    at = value_end + 4
                elif _literal(data, at, size, _INLINE) or _literal(
                    data, at, size, _INLINE_PRESERVED
                ):
                    value = at + (7 if data[at + 6] == 62 else 28)
                    value_end, special = _value_until_tag(data, value, size, text, written)
                    if not _literal(data, value_end, size, _INLINE_END):
                        return NOT_UNDERSTOOD, 0, 0, -1, 0
                    source = FROM_INLINE
                    at = value_end + 9
                if not _literal(data, at, size, _CELL_END):
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
                at += 4
            else:
                return NOT_UNDERSTOOD, 0, 0, -1, 0
            wanted = FROM_INLINE if kind == KIND_INLINE else FROM_V
            if value < value_end and source == wanted:
                if kept >= cells.shape[1] or written + value_end - value >= len(text):
                    return NOT_UNDERSTOOD, 0, 0, -1, 0
                cells[COLUMN, kept] = column
                cells[ROW_INDEX, kept] = row_count - 1
                cells[STYLE, kept] = style
                cells[SPECIAL, kept] = special
                index = -1
                if kind == KIND_S and special == 0:
                    index = _index(data, value, value_end)
                cells[INDEX, kept] = index
                numeric = kind <= KIND_N  # KIND_NONE or KIND_N
                if numeric and 0 <= style < len(dated) and dated[style] != 0:
                    kind = KIND_DATED
                    numeric = False
                shown = -1
                if numeric and special == 0 and value_end - value > _SHOWN_DIGITS + 1:
                    shown = _shown(data, value, value_end, text, written)
                if shown >= 0:
                    cells[KIND, kept] = KIND_SHOWN
                    cells[LENGTH, kept] = shown - written
                    written = shown
                elif index >= 0:  # the reader looks its string up: no text to make
                    cells[KIND, kept] = kind
                    cells[LENGTH, kept] = 0
                else:  # the value is in ``text`` already (`_value_until_tag`)
                    cells[KIND, kept] = kind
                    cells[LENGTH, kept] = value_end - value
                    written += value_end - value
                text[written] = 60  # "<": no value holds one, so one split parts them
                written += 1
                stored = cells[KIND, kept]
                if (
                    special != 0
                    or KIND_S <= stored <= KIND_B  # a shared string or a boolean
                    or stored == KIND_DATED
                    or (stored <= KIND_N and cells[LENGTH, kept] > _SHOWN_DIGITS + 1)
                ):
                    fixes += 1
                kept += 1
            continue
        at += 1
    return kept, row_count, written, -1, fixes


def _index(data: bytes, start: int, end: int) -> int:
    """The value as a number when it is 1 to 18 ASCII digits (a shared string's index as
    written), else -1."""
    if not 0 < end - start <= 18:
        return -1
    value = 0
    for position in range(start, end):
        byte = data[position]
        if not 48 <= byte <= 57:
            return -1
        value = value * 10 + (byte - 48)
    return value


def _shown(data: bytes, start: int, end: int, out: np.ndarray, at: int) -> int:
    """``sheetxml.shown_number`` of the value ``data[start:end]`` (more than 16 characters)
    written to ``out`` from ``at``: where it ends, or -1 when this does not know it.

    It knows a plain fraction (``-?[0-9]*.[0-9]*``) whose first significant digit is worth
    10**-4 to 10**13 and that has 16 significant digits or more: ``%.15g`` of it as a double
    is its first 15 rounded by the 16th, and written without an exponent. The double is the
    nearest to the decimal value, less than 0.111 of a unit of the 15th digit away (half a
    binary unit of 53 bits), so the two round alike unless what follows the 15th digit is
    within that of a half: a 16th digit of 3 to 6 is left to Python, as are zeros, exponents,
    signs other than a leading "-" and anything else."""
    first = start + 1 if data[start] == 45 else start  # "-"
    point = -1
    for position in range(first, end):
        byte = data[position]
        if byte == 46:  # "."
            if point >= 0:
                return -1
            point = position
        elif not 48 <= byte <= 57:
            return -1
    if point < 0:
        return -1
    lead = first  # the first significant digit
    while lead < end and (data[lead] == 48 or data[lead] == 46):
        lead += 1
    if lead == end:
        return -1
    exponent = point - lead - 1 if lead < point else point - lead
    if exponent < -4 or exponent > _SHOWN_DIGITS - 2:
        return -1  # %.15g would write an exponent (also after a carry, at 10**14)
    mantissa = 0
    count = 0
    sixteenth = -1
    position = lead
    while position < end and count <= _SHOWN_DIGITS:
        byte = data[position]
        if byte != 46:
            if count < _SHOWN_DIGITS:
                mantissa = mantissa * 10 + (byte - 48)
            else:
                sixteenth = byte - 48
            count += 1
        position += 1
    if sixteenth < 0 or 3 <= sixteenth <= 6:
        return -1
    if sixteenth >= 7:
        mantissa += 1
        if mantissa == 10**_SHOWN_DIGITS:
            mantissa = 10 ** (_SHOWN_DIGITS - 1)
            exponent += 1
    digits = _SHOWN_DIGITS
    while mantissa % 10 == 0:
        mantissa //= 10
        digits -= 1
    if first > start:
        out[at] = 45
        at += 1
    if exponent < 0:
        out[at] = 48
        out[at + 1] = 46
        at += 2
        for _ in range(-exponent - 1):
            out[at] = 48
            at += 1
    whole = exponent + 1  # digits before the point
    scale = 1
    for _ in range(digits - 1):
        scale *= 10
    for place in range(max(digits, whole)):
        if place == whole and exponent >= 0:
            out[at] = 46
            at += 1
        out[at] = 48 + (mantissa // scale) % 10 if place < digits else 48
        at += 1
        scale = scale // 10 if scale > 1 else 0
    return at


def capacities(size: int) -> tuple[int, int, int]:
    """Room for every kept cell, row and value byte of a ``size``-byte block: a kept cell
    takes at least 22 bytes (``<c r="A1"><v>1</v></c>``), a row start 5 (``<row>``), and a
    value with its "<" no more than the tags around it."""
    return size // 22 + 1, size // 5 + 1, size + 1


# Compiled on its first call. Without numba's reference counting (``_nrt``): the kernel
# allocates nothing, and the counts kept on the arrays it is handed cost a tenth of its time.
compiled = LazyKernel(read, _HELPERS, name="spreadsheet", options={"_nrt": False})
