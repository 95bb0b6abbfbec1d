"""Tables pasted into text: the header of the column a value sits in.

A class list copied from a spreadsheet into a mail body arrives as lines of cells split by tabs,
pipes or commas, under a header row. A student ID on the tenth row is as far from "Student ID"
as any unrelated number is from a label, so the context window cannot see it; and the row's
own neighbours ("Parent Phone" in the header above the first row) are another column's label.
For a value that is a whole cell of such a block, the header of its column is its context,
as a spreadsheet's column header is for its cells (``Segment.context``, ``CellTable.headers``).
"""

from __future__ import annotations

from typing import TypeAlias

# ";" is what spreadsheets write for CSV where the comma is the decimal mark (Spanish locales),
# so a line with two of them is split at them before its commas ("Ruiz, Ana;8165186;7,5").
DELIMITERS = ("\t", "|", ";", ",")
# How many lines above a value its header may be (a longer pasted table is a file's work).
MAX_ROWS = 400
# At least this many delimiters in each line of the block (one tab makes two columns, but a
# comma or a pipe in prose is too common for fewer than two).
MIN_DELIMITERS = {"\t": 1, "|": 2, ",": 2, ";": 2}
_PADDING = " \"'\r"
_EDGES = "\t|,;\n"
# A value whose neighbour on either side is none of these is no cell (the first test of
# ``column_header``, which callers make inline: most matches are in prose).
CELL_EDGES = _PADDING + _EDGES
# (line start, delimiter, delimiters per line) -> (the block's line starts, top first; the
# line's place in it)
ColumnMemo: TypeAlias = dict[tuple[int, str, int], tuple[list[int], int]]
# A longer line is no table row (and counting its cells at every match would cost).
MAX_LINE = 2000


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def column_header(text: str, start: int, end: int, memo: ColumnMemo | None = None) -> str | None:
    """The header cell of the column ``text[start:end]`` fills, or None when the value is not
    a whole cell of a block of lines with the same number of delimiters under a header.

    ``memo``: kept by the caller for one ``text`` (``TextContext``), to walk a table's lines
    once rather than once per cell."""
    found = column_and_header_row(text, start, end, memo)
    return None if found is None else found[0]


def column_and_header_row(
    text: str, start: int, end: int, memo: ColumnMemo | None = None
) -> tuple[str, str] | None:
    """``column_header``, and the whole header row with its cells apart by tabs (the other
    columns say what kind of table it is: "Name | ID | Score" is a gradebook)."""
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
    if memo is None:
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
    else:
        header = _header_line(text, line_start, delimiter, cells, memo)
    if header is None:
        return None
    cells_of_header = header.split(delimiter)
    return cells_of_header[column].strip(" \"'"), "\t".join(cells_of_header)


def _header_line(
    text: str, line_start: int, delimiter: str, cells: int, memo: ColumnMemo
) -> str | None:
    """The walk of ``column_header`` up from the line at ``line_start``, remembered: each line
    with ``cells`` delimiters is kept in its block (the lines above it with as many, top
    first) with its place there, so a table's rows walk up once between them, not up to
    ``MAX_ROWS`` lines each (a 2,000-row pasted table: ~95 µs a cell before)."""
    found = memo.get((line_start, delimiter, cells))
    if found is None:
        chain = [line_start]  # this line and the lines above it not yet remembered, upwards
        block: list[int] = []
        top = line_start
        while top > 0:
            above_start = text.rfind("\n", 0, top - 1) + 1
            known = memo.get((above_start, delimiter, cells))
            if known is not None:
                block, index = known
                if index != len(block) - 1:
                    block = block[: index + 1]
                break
            if text[above_start : top - 1].rstrip("\r").count(delimiter) != cells:
                break
            chain.append(above_start)
            top = above_start
        for start in reversed(chain):
            block.append(start)
            memo[start, delimiter, cells] = (block, len(block) - 1)
        found = memo[line_start, delimiter, cells]
    block, index = found
    if index == 0:
        return None
    header_start = block[max(0, index - MAX_ROWS)]
    return text[header_start : text.find("\n", header_start)].rstrip("\r")
