"""The batched CSV reader (``dlp.extract.delimited``) gives exactly what the row-at-a-time
reader before it gave: the same packed segments (texts, headers, rows, columns, blocks and
their early hand-overs), the same corrupt-file reason at the same row, on any text.

The reference is that reader as it was (commit 03aeab2), kept verbatim below.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from itertools import repeat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import Scanner
from dlp.extract import Limits, delimited, extract_path
from dlp.extract.celltable import FIRST, GAP, NEVER_EARLY, TablePacker
from dlp.extract.charset import guess_codec
from dlp.extract.context import Clocks, Context, Item
from dlp.extract.dispatch import extract_source
from dlp.extract.limits import LimitExceeded
from dlp.extract.source import Source
from dlp.model import Location, Segment, UnscannableReason
from dlp.pipeline import collect

Reader = Callable[[Source, Location, Context], Iterator[Item]]

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def old_extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw:
        sample = raw.read(64 * 1024)
        raw.seek(0)
        codec = guess_codec(sample)
        delimiter = delimited._delimiter(sample.decode(codec, errors="replace"), source)
        reader = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        try:
            yield from _old_rows(csv.reader(reader, delimiter=delimiter), location, ctx)
        finally:
            reader.detach()


def _old_rows(rows: Iterator[list[str]], location: Location, ctx: Context) -> Iterator[Segment]:
    table = TablePacker(
        Location(path=location.path),
        columns_apart=True,
        first=FIRST if ctx.limits.early_blocks else NEVER_EARLY,
    )
    texts, contexts, columns, numbers = table.texts, table.headers, table.columns, table.rows
    headers: list[str] | None = None
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
        yield from table.blocks(final=True)
        raise
    yield from table.blocks(final=True)


def run(
    reader: Reader, data: bytes, name: str, early: bool = True
) -> tuple[list[Item], str | None]:
    """Everything the reader yields, then the reason it stopped (None: the end)."""
    limits = Limits(early_blocks=early)
    ctx = Context(limits, extract_source, Clocks())
    items: list[Item] = []
    try:
        items.extend(reader(Source.from_bytes(data, name), Location(path=(name,)), ctx))
    except LimitExceeded as stop:
        return items, f"{stop.reason}: {stop}"
    return items, None


def plain(items: list[Item]) -> list[tuple]:
    """A segment as plain values (its cells' locations made one by one)."""
    out: list[tuple] = []
    for item in items:
        assert isinstance(item, Segment)
        cells = item.cells
        if cells is None:
            out.append((item.text, item.location, item.context))
            continue
        out.append(
            (
                item.text,
                item.location,
                item.context,
                list(cells.starts),
                list(cells.ends),
                list(cells.headers),
                [cells.location(i) for i in range(len(cells))],
                # (each cell's table's header row: context, though not part of equality)
                list(cells.header_rows),
                {type(cells.location(i).row) for i in range(len(cells))} - {int, type(None)},
            )
        )
    return out


def same(data: bytes, name: str = "r.csv", early: bool = True) -> None:
    old, old_stop = run(old_extract, data, name, early)
    new, new_stop = run(delimited.extract, data, name, early)
    assert new_stop == old_stop
    assert plain(new) == plain(old)
    assert new == old


FRAGMENTS = [
    "536-22-1234",
    "Student ID",
    "(559) 327-4410",
    "03/14/2011",
    "x",
    "é",
    "",
    " ",
    "\t",
    '"',
    '""',
    '"a,b"',
    '"two\nlines"',
    '"Ada"',
    '"536-22-1234"',
    '" "',
    '"x"y',
    ' "x"',
    '"a;b"',
    '"a|b"',
    '"a\tb"',
    '"cr\r\nlf"',
    "\r",
    "\n",
    "\r\n",
    "\ufeff",
    "\x00",
    ",",
    ";",
    "|",
]
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
ENDS = st.sampled_from(["\n", "\r\n", "\r"])
TEXT = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=12).map("".join)


@st.composite
def tables(draw: st.DrawFn) -> str:
    """Rows of cells joined by a delimiter and line ends, some of them odd."""
    delimiter = draw(DELIMITERS)
    end = draw(ENDS)
    rows = draw(st.lists(st.lists(TEXT, max_size=7), max_size=30))
    text = end.join(delimiter.join(row) for row in rows)
    return text + draw(st.sampled_from(["", end, end + end]))


@st.composite
def rosters(draw: st.DrawFn) -> str:
    """Regular rows (the common file), big enough to cross the early hand-overs."""
    width = draw(st.integers(1, 8))
    count = draw(st.integers(0, 1500))
    cell = st.sampled_from(["536-22-1234", "Ada", "B+", "", " ", "12", "(559) 327-4410"])
    row = draw(st.lists(cell, min_size=width, max_size=width))
    ragged = draw(st.lists(cell, max_size=width + 3))
    every = draw(st.integers(0, 50))
    if draw(st.booleans()):  # every cell quoted, as many exports write them
        row = [f'"{cell}"' for cell in row]
        ragged = [f'"{cell}"' for cell in ragged]
    lines = [",".join(f"h{n}" for n in range(width))]
    for number in range(count):
        lines.append(",".join(ragged if every and number % every == 0 else row))
    return draw(ENDS).join(lines)


CODECS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tables(), CODECS, st.booleans())
def test_any_text_reads_as_before(text: str, codec: str, early: bool) -> None:
    same(text.encode(codec, errors="replace"), early=early)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters(), st.booleans(), st.sampled_from(["r.csv", "r.tsv", "r.txt"]))
def test_regular_rows_read_as_before(text: str, early: bool, name: str) -> None:
    same(text.encode(), name, early)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_read_as_before(data: bytes) -> None:
    same(data)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "a,b\r\n1,2\r",  # a last "\r" alone
        "a,b\r\r\n1,2\n\r",
        '\ufeffa;b\n1;"2\n3";4\n5;6',
        'a,b\n1,"unclosed\n2,3\n',
        "a\tb\n" + "x\ty\n" * 40_000,  # past the first reads: batches cut inside lines
        "a,b\r\n" + "x,y\r\n" * 40_000 + '1,"q"\r\n' + "p,q\r\n" * 10,  # quotes late
        "a,b\r" + "x,\r" * 30_000,  # old Mac line ends, empty cells
        '"a","b"\r\n' + '"x","y"\r\n' * 30_000 + '"p","q ""r"""\r\n' + '"x",""\r\n' * 9,
        "h\n" + ("x" * 1631 + "\n") * 10,  # the 5th row fills the first hand-over exactly
    ],
)
def test_edge_texts_read_as_before(text: str) -> None:
    same(text.encode())
    same(text.encode(), early=False)


@pytest.mark.parametrize("quoted", [False, True])
def test_a_field_over_the_csv_limit_is_corrupt_at_its_row(quoted: bool) -> None:
    big = "9" * (csv.field_size_limit() + 1)
    field = f'"{big}"' if quoted else big
    data = f"a,b\n1,2\n3,{field}\n5,6\n".encode()
    same(data)
    _, stop = run(delimited.extract, data, "r.csv")
    assert stop == f"{UnscannableReason.CORRUPT}: malformed CSV at row 3: the rest was not read"
    # A field just at the limit is read.
    same(f"a,b\n1,{'9' * csv.field_size_limit()}\n".encode())


def test_a_cut_multibyte_character_at_a_read_boundary_decodes_as_before() -> None:
    line = "é€,ü😀\n"
    data = ("h1,h2\n" + line * 20_000).encode()
    same(data)
    same(("h1,h2\n" + line * 20_000).encode("utf-16"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".csv", ".tsv"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent (../shared/corpus)")
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_files_read_and_scan_as_before(path: Path, scanner: Scanner) -> None:
    data = path.read_bytes()
    same(data, path.name)
    old, _ = run(old_extract, data, path.name)
    new, _ = run(delimited.extract, data, path.name)
    found = collect(iter(new), scanner).findings
    assert found == collect(iter(old), scanner).findings


def test_the_reader_is_the_one_extract_path_uses(tmp_path: Path, scanner: Scanner) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"Student,SSN\r\nAda,536-22-1234\r\n")
    result = collect(extract_path(path, Limits()), scanner)
    assert [f.location.row for f in result.findings if f.entity_type == "US_SSN"] == [2]


# Blank and nearly blank cells: white space of every kind ``str.isspace`` knows, alone, first
# or inside, in ASCII and past it (a batch is told clean from its cells' first characters).
BLANKS = st.sampled_from(
    [" ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000", "\u200b"]
)
BLANKISH = st.lists(BLANKS | st.sampled_from(["x", "12", "é", "Ana Lopez"]), max_size=3).map(
    "".join
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(BLANKISH, min_size=3, max_size=3), min_size=1, max_size=40),
    st.sampled_from([",", ";"]),
    st.sampled_from(["utf-8", "utf-16"]),
)
def test_blank_cells_read_as_before(rows: list[list[str]], delimiter: str, codec: str) -> None:
    text = "h1,h2,h3\n".replace(",", delimiter) + "\n".join(delimiter.join(r) for r in rows)
    same(text.encode(codec), early=True)
