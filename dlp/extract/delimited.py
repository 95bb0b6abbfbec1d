"""CSV and TSV: one segment per non-empty cell, located by row and column header, with the
header as context. The first non-empty row is the header row; ``row`` counts records from 1
(the header row included), like a spreadsheet's row numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from dlp.extract.charset import guess_codec
from dlp.extract.context import Context, Item, LimitExceeded
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
    path = location.path
    headers: list[str] | None = None
    number = 0
    try:
        for number, row in enumerate(rows, start=1):
            if headers is None:
                if any(cell.strip() for cell in row):
                    headers = [cell.strip() for cell in row]
                    for cell, header in zip(row, headers, strict=True):
                        if header:
                            yield Segment(cell, Location(path=path, row=number, column=header))
                continue
            width = len(headers)
            for index, cell in enumerate(row):
                if cell and not cell.isspace():
                    header = headers[index] if index < width else ""
                    column = header or f"column {index + 1}"
                    yield Segment(cell, Location(path=path, row=number, column=column), header)
            if number % 2000 == 0:
                ctx.check_time()
    except csv.Error as error:
        raise LimitExceeded(
            UnscannableReason.CORRUPT, f"malformed CSV at row {number + 1}: the rest was not read"
        ) from error
