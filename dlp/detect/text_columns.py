"""Tables pasted into text: the header of the column a value sits in.

A class list copied from a spreadsheet into a mail body arrives as lines of cells split by tabs,
pipes or commas, under a header row. A student ID on the tenth row is as far from "Student ID"
as any unrelated number is from a label, so the context window cannot see it; and the row's
own neighbours ("Parent Phone" in the header above the first row) are another column's label.
For a value that is a whole cell of such a block, the header of its column is its context,
as a spreadsheet's column header is for its cells (``Segment.context``, ``CellTable.headers``).
"""

from __future__ import annotations

DELIMITERS = ("\t", "|", ",")
# How many lines above a value its header may be (a longer pasted table is a file's work).
MAX_ROWS = 400
# At least this many delimiters in each line of the block (one tab makes two columns, but a
# comma or a pipe in prose is too common for fewer than two).
MIN_DELIMITERS = {"\t": 1, "|": 2, ",": 2}
_PADDING = " \"'\r"
_EDGES = "\t|,\n"
# A value whose neighbour on either side is none of these is no cell (the first test of
# ``column_header``, which callers make inline: most matches are in prose).
CELL_EDGES = _PADDING + _EDGES
# A longer line is no table row (and counting its cells at every match would cost).
MAX_LINE = 2000


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def column_header(text: str, start: int, end: int) -> str | None:
    """The header cell of the column ``text[start:end]`` fills, or None when the value is not
    a whole cell of a block of lines with the same number of delimiters under a header."""
    # Most matches are in prose: settled by the characters on either side of the value.
    low = start
    while low > 0 and text[low - 1] in _PADDING:
        low -= 1
    high = end
    while high < len(text) and text[high] in _PADDING:
        high += 1
    before_char = text[low - 1] if low > 0 else "\n"
    after_char = text[high] if high < len(text) else "\n"
    if before_char not in _EDGES or after_char not in _EDGES:
        return None
    if before_char == after_char == "\n":
        return None  # a value alone on its line (a form's): no columns
    line_start, line_end = _line_bounds(text, start, end)
    if line_end - line_start > MAX_LINE:
        return None
    line = text[line_start:line_end].rstrip("\r")
    for delimiter in DELIMITERS:
        cells = line.count(delimiter)
        if cells >= MIN_DELIMITERS[delimiter]:
            break
    else:
        return None
    before = text[line_start:start]
    column = before.count(delimiter)
    left = before.rfind(delimiter) + 1
    right = text.find(delimiter, end, line_end)
    cell = text[line_start + left : line_end if right < 0 else right]
    if cell.strip(" \"'\r") != text[start:end]:
        return None
    header: str | None = None
    top = line_start
    for _ in range(MAX_ROWS):
        if top == 0:
            break
        above_start = text.rfind("\n", 0, top - 1) + 1
        above = text[above_start : top - 1].rstrip("\r")
        if above.count(delimiter) != cells:
            break
        header, top = above, above_start
    if header is None:
        return None
    return header.split(delimiter)[column].strip(" \"'")
