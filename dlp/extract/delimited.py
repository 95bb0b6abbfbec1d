"""CSV and TSV: every non-empty cell, located by row and column header, with the header as
context. The first non-empty row is the header row; ``row`` counts records from 1 (the header
row included), like a spreadsheet's row numbers. The cells come packed (``celltable``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import repeat

from dlp.extract.celltable import FIRST, GAP, NEVER_EARLY, TablePacker
from dlp.extract.charset import guess_codec
from dlp.extract.context import Context, Item
from dlp.extract.limits import LimitExceeded
from dlp.extract.sniff import Kind, sniff
from dlp.extract.source import Source
from dlp.model import Location, Segment, UnscannableReason

_SAMPLE = 64 * 1024
_DELIMITERS = ",;\t|"


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        sample = raw.read(_SAMPLE)
        raw.seek(0)
        codec = guess_codec(sample)
        delimiter = _delimiter(sample.decode(codec, errors="replace"), source)
        reader = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        try:
            yield from _rows(csv.reader(reader, delimiter=delimiter), location, ctx)
        finally:
            reader.detach()


def _delimiter(sample: str, source: Source) -> str:
    if sniff(source.head(), source.name) is Kind.TSV:
        return "\t"
    first = sample.split("\n", 1)[0]
    return max(_DELIMITERS, key=first.count) if first else ","


def _rows(rows: Iterator[list[str]], location: Location, ctx: Context) -> Iterator[Segment]:
    """The cells into a ``TablePacker``, a row at a time (see ``celltable``)."""
    table = TablePacker(
        Location(path=location.path),
        columns_apart=True,
        first=FIRST if ctx.limits.early_blocks else NEVER_EARLY,
    )
    texts, contexts, columns, numbers = table.texts, table.headers, table.columns, table.rows
    headers: list[str] | None = None
    # By column index: the context a cell gets (its header) and the column its location
    # names (the header, or "column N" when the header is empty); grown for wider rows.
    by_index: list[str] = []
    names: list[str] = []
    number = 0
    try:
        for number, row in enumerate(rows, start=1):
            if headers is None:
                if any(cell.strip() for cell in row):
                    headers = [cell.strip() for cell in row]
                    for cell, header in zip(row, headers, strict=True):
                        if header:
                            table.add(cell, "", header, row=number)
                    by_index = list(headers)
                    names = [name or f"column {n}" for n, name in enumerate(headers, start=1)]
                continue
            width = len(row)
            if width > len(names):
                by_index.extend([""] * (width - len(by_index)))
                names.extend(f"column {index + 1}" for index in range(len(names), width))
            if "" not in row and not any(map(str.isspace, row)):
                # Every cell has text (the usual row): whole lists at a time.
                texts.extend(row)
                contexts.extend(by_index[:width])
                columns.extend(names[:width])
                numbers.extend(repeat(number, width))
                table.size += sum(map(len, row)) + GAP * width
            else:
                for index, cell in enumerate(row):
                    if cell and not cell.isspace():
                        texts.append(cell)
                        contexts.append(by_index[index])
                        columns.append(names[index])
                        numbers.append(number)
                        table.size += len(cell) + GAP
            if table.full():
                yield from table.blocks()
            if number % 2000 == 0:
                ctx.check_time()
    except csv.Error as error:
        yield from table.blocks(final=True)
        raise LimitExceeded(
            UnscannableReason.CORRUPT, f"malformed CSV at row {number + 1}: the rest was not read"
        ) from error
    except Exception:
        # What was read before a stop (a timeout) is scanned, as it was cell by cell.
        yield from table.blocks(final=True)
        raise
    yield from table.blocks(final=True)
