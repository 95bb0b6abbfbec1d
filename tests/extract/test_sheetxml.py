"""The fast worksheet reader gives exactly the rows lxml gives: on every worksheet of the real
xlsx files in the corpus, on generated workbooks, and on hand-written shapes it must hand on."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import sheetxml
from tests.extract import makers

STRINGS = [f"shared {n} &amp; <b>" for n in range(40)]
DATES = frozenset({1, 3})


def both(data: bytes, strings: list[str] = STRINGS, dates: frozenset[int] = DATES):
    reference = list(sheetxml.lxml_rows(io.BytesIO(data), strings, dates))
    fast = list(sheetxml.sheet_rows(io.BytesIO(data), strings, dates))
    return reference, fast


def corpus_worksheets(corpus: Path) -> list[tuple[str, bytes]]:
    found = []
    for path in sorted((corpus / "docs").rglob("*.xls[xm]")):
        try:
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                        found.append((f"{path.name}:{name}", archive.read(name)))
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            continue  # encrypted or damaged files are the extractor's business, not this one's
    return found


def test_every_corpus_worksheet_reads_the_same(corpus):
    sheets = corpus_worksheets(corpus)
    assert len(sheets) > 20
    for name, data in sheets:
        reference, fast = both(data)
        assert fast == reference, name


def _sheet(
    rows: str, root: str = "", head: str = '<?xml version="1.0" encoding="UTF-8"?>'
) -> bytes:
    return (
        f'{head}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f'{root}><sheetData>{rows}</sheetData><rowBreaks count="1"><brk id="3"/></rowBreaks>'
        "</worksheet>"
    ).encode()


@pytest.mark.parametrize(
    "rows",
    [
        # the usual shapes
        '<row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1" s="1"><v>45000</v></c></row>',
        '<row r="2" spans="1:3"><c r="A2" t="inlineStr"><is><t>x &lt; y &#128;</t></is></c>'
        '<c r="C2" t="b"><v>1</v></c><c r="D2" s="3" t="n"><v>1.5</v></c></row>',
        '<row r="4"/><row r="5"><c r="A5"><f>SUM(B1:B2)</f><v>7</v></c>'
        '<c r="B5" t="str"><f t="shared" si="0"/><v>a&amp;b</v></c><c r="C5" s="2"/></row>',
        # shapes the fast pattern does not take, read the slower way to the same rows
        '<row r="6"><c r="A6" t="inlineStr"><is><r><rPr><b/></rPr><t>rich</t></r>'
        '<r><t xml:space="preserve"> text</t></r></is></c></row>',
        '<row r="7"><c t="s" r="A7"><v>1</v></c><c\nr="B7"><v>9</v></c></row>',
        '<row r="8"><!-- a comment --><c r="A8"><v><![CDATA[536-22-1234]]></v></c></row>',
        '<row r="9" xmlns:x14ac="urn:x14ac" x14ac:dyDescent="0.25"><c r="A9"><v>3</v>'
        '<extLst><ext uri="u"/></extLst></c></row>',
        "<row><c><v>no references</v></c><c><v>at all</v></c></row>",
        '<row r="10"><c r="A10" t="inlineStr"><is><t/></is></c><c r="B10"><v></v></c></row>',
    ],
)
def test_hand_written_shapes(rows):
    reference, fast = both(_sheet(rows))
    assert fast == reference
    assert reference  # the sheet has rows: the comparison is not of two empty lists


def test_a_sheet_that_does_not_start_the_usual_way_is_read_by_lxml():
    prefixed = (
        b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1">'
        b"<x:v>5</x:v></x:c></x:row></x:sheetData></x:worksheet>"
    )
    reference, fast = both(prefixed)
    assert fast == reference == [(1, [("A", "5")])]
    utf16 = _sheet(
        '<row r="1"><c r="A1"><v>6</v></c></row>', head='<?xml version="1.0" encoding="UTF-16"?>'
    )
    utf16 = utf16.decode().encode("utf-16")
    assert both(utf16)[1] == [(1, [("A", "6")])]


def test_rows_across_read_blocks(monkeypatch):
    monkeypatch.setattr(sheetxml, "_BLOCK", 97)
    monkeypatch.setattr(sheetxml, "_HEAD", 50)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>row {n} text</t></is></c>'
        f'<c r="B{n}"><v>{n * 7}</v></c></row>'
        for n in range(1, 60)
    )
    reference, fast = both(_sheet(rows))
    assert fast == reference and len(reference) == 59


cell_values = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
    st.integers(-(10**6), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2040, 1, 1)),
    st.none(),
)


@settings(max_examples=60)
@given(st.lists(st.lists(cell_values, max_size=6), min_size=1, max_size=12))
def test_generated_workbooks_read_the_same(rows):
    data = makers.xlsx({"S": [list(row) for row in rows]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        strings_xml = (
            archive.read("xl/sharedStrings.xml")
            if ("xl/sharedStrings.xml" in archive.namelist())
            else b""
        )
    strings = [f"s{n}" for n in range(strings_xml.count(b"<si>"))]
    reference, fast = both(sheet, strings, frozenset({1, 2, 3, 4}))
    assert fast == reference


CELL_SHAPES = [
    '<c r="A{n}" t="s"><v>{k}</v></c>',
    '<c r="B{n}" s="1"><v>45000.5</v></c>',
    '<c r="C{n}" s="0" t="n"><v>0</v></c>',
    '<c r="D{n}" t="inlineStr"><is><t>x &lt; y &#65;</t></is></c>',
    '<c r="E{n}" t="inlineStr"><is><t xml:space="preserve"> two\r\nlines </t></is></c>',
    '<c r="F{n}" t="b"><v>1</v></c>',
    '<c r="G{n}" t="b"><v>0</v></c>',
    '<c r="H{n}"><f>SUM(A1:B2)</f><v>7</v></c>',
    '<c r="I{n}" t="str"><f t="shared" ref="I1:I9" si="0"/><v>a&amp;b</v></c>',
    '<c r="J{n}" t="e"><f t="shared" si="0">1/0</f><v>#DIV/0!</v></c>',
    '<c r="K{n}" s="2"/>',
    '<c r="L{n}"><v></v></c>',
    '<c r="M{n}" t="inlineStr"><v>ignored</v></c>',
    '<c r="N{n}" t="s"><is><t>not a value</t></is></c>',
    '<c r="AB{n}" s="3" t="n" cm="1"><v>36526</v></c>',
    '<c r="XFD{n}"><v>536-22-1234</v></c>',
    # shapes the kernel gives up on (and so does the pattern, but for the kernel's sake)
    '<c t="s" r="O{n}"><v>1</v></c>',
    '<c\tr="P{n}"><v>9</v></c>',
    '<c r="Q{n}" t="n" s="1"><v>2</v></c>',
    '<c r="ABCD{n}"><v>1</v></c>',
    '<c r="R{n}"><v>3</v><extLst><ext uri="u"/></extLst></c>',
    '<!-- <c r="S{n}"><v>5</v></c> -->',
    '<c r="T{n}" t=""><v>5</v></c>',
]
ROW_SHAPES = [
    '<row r="{n}">{cells}</row>',
    '<row r="{n}" spans="1:9" ht="15">{cells}</row>',
    "<row>{cells}</row>",
    '<row r="{n}"/>',
    '<row r="{n}"></row><cols/>',
]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(st.sampled_from(ROW_SHAPES), st.lists(st.sampled_from(CELL_SHAPES), max_size=6)),
        max_size=8,
    ),
    st.integers(0, 45),
)
def test_the_kernel_reads_blocks_as_the_pattern_does(rows, index):
    from dlp.extract import sheetkernel

    block = "".join(
        shape.format(n=n + 1, cells="".join(c.format(n=n + 1, k=index) for c in cells))
        for n, (shape, cells) in enumerate(rows)
    ).encode()
    fast = sheetxml._quick_rows(block, STRINGS, DATES)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sheetkernel, "compiled", lambda: None)
        assert sheetxml._quick_rows(block, STRINGS, DATES) == fast


def _kernel_read(block: bytes) -> tuple[int, int, int, int, int]:
    from dlp.extract import sheetkernel

    kernel = sheetkernel.compiled()
    assert kernel is not None
    cell_room, row_room, text_room = sheetkernel.capacities(len(block))
    return kernel(
        block,
        np.empty((sheetkernel.CELL_FIELDS, cell_room), dtype=np.int64),
        np.empty(row_room, dtype=np.int64),
        np.empty(text_room, dtype=np.uint8),
        np.zeros(0, dtype=np.uint8),
    )


def test_the_kernel_takes_the_usual_shapes():
    from dlp.extract import sheetkernel

    usual = "".join(
        '<row r="{n}" spans="1:16">{cells}</row>'.format(
            n=n, cells="".join(c.format(n=n, k=n) for c in CELL_SHAPES[:16])
        )
        for n in range(1, 30)
    ).encode()
    # 12 of the 16 shapes have the value their type reads (not K to N)
    assert _kernel_read(usual)[:2] == (29 * 12, 29)
    rows = sheetxml._quick_rows(usual, STRINGS, DATES)
    assert rows is not None and len(rows) == 29
    assert rows[0][1][0] == ("A", STRINGS[1]) and rows[0][1][3] == ("D", "x < y A")
    for shape in CELL_SHAPES[16:]:
        assert _kernel_read(f'<row r="1">{shape.format(n=1)}</row>'.encode())[0] == (
            sheetkernel.NOT_UNDERSTOOD
        ), shape


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("66.06999999999999", "66.07"),
        ("0.30000000000000004", "0.3"),
        ("88.51000000000001", "88.51"),
        ("1.2345678901234567E+19", "1.23456789012346e+19"),
        ("87.7", "87.7"),  # short: as written
        ("4111111111111111", "4111111111111111"),  # whole: every digit kept
        ("536221234", "536221234"),
        ("-1.23456789012345E-10", "-1.23456789012345E-10"),  # 15 digits: as written
    ],
)
def test_numbers_are_read_as_excel_shows_them(written, shown):
    assert sheetxml.shown_number(written) == shown
    row = f'<row r="1"><c r="A1"><v>{written}</v></c><c r="B1" t="n"><v>{written}</v></c></row>'
    reference, fast = both(_sheet(row))
    assert fast == reference == [(1, [("A", shown), ("B", shown)])]


def test_a_fraction_written_with_its_binary_digits_is_no_card_number(scanner, tmp_path):
    from dlp.extract import Limits, extract_path
    from dlp.pipeline import collect

    # 0.411111111111111 on screen; the file holds 0.4111111111111111, whose fraction read as
    # written is the Luhn-valid test card 4111 1111 1111 1111.
    rows = [["Item", "Unit price"]] + [[f"item {n}", 0.4111111111111111] for n in range(1, 20)]
    path = tmp_path / "prices.xlsx"
    path.write_bytes(makers.xlsx({"Prices": rows}))
    with zipfile.ZipFile(path) as archive:
        assert b"<v>0.4111111111111111</v>" in archive.read("xl/worksheets/sheet1.xml")
    result = collect(extract_path(path, Limits()), scanner)
    assert result.findings == ()
    assert any("0.411111111111111" in segment.text for segment in extract_path(path, Limits()))


def test_whole_blocks_only_give_the_same_packed_cells(tmp_path):
    from dlp.extract import Limits, extract_path
    from dlp.packing import pack

    rows = [["Student", "Grade"]] + [[f"student {n}", f"{n % 100}%"] for n in range(30_000)]
    path = tmp_path / "grades.xlsx"
    path.write_bytes(makers.xlsx({"Grades": rows}))
    early = list(extract_path(path, Limits()))
    whole = list(extract_path(path, Limits(early_blocks=False)))
    assert len(whole) < len(early)  # the young table's pieces are not handed over
    packed_early, packed_whole = list(pack(early)), list(pack(whole))
    assert [s.text for s in packed_whole] == [s.text for s in packed_early]

    def last_cells(segments):
        return [s.cells.location(len(s.cells) - 1).cell for s in segments if s.cells]

    assert last_cells(packed_whole) == last_cells(packed_early)
    assert len(last_cells(packed_whole)) >= 3  # several blocks, each ending where it did


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ROW_SHAPES), st.lists(st.sampled_from(CELL_SHAPES[:16]), max_size=4)
        ),
        min_size=1,
        max_size=4,
    ),
    st.floats(0, 1),
)
def test_a_block_cut_anywhere_reads_as_the_pattern_reads_it(rows, where):
    """The kernel's end-of-buffer paths: every tag, attribute and value cut short."""
    from dlp.extract import sheetkernel

    block = "".join(
        shape.format(n=n + 1, cells="".join(c.format(n=n + 1, k=3) for c in cells))
        for n, (shape, cells) in enumerate(rows)
    ).encode()
    cut = block[: int(len(block) * where)]
    fast = sheetxml._quick_rows(cut, STRINGS, DATES)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sheetkernel, "compiled", lambda: None)
        assert sheetxml._quick_rows(cut, STRINGS, DATES) == fast


LENGTH_SHAPES = [
    *CELL_SHAPES[:16],
    '<c r="U{n}"><v>66.06999999999999</v></c>',
    '<c r="V{n}" t="n"><v>-0.30000000000000004</v></c>',
    '<c r="W{n}"><v>1.2345678901234567E+20</v></c>',
    '<c r="X{n}" s="1"><v>45000.123456789012345</v></c>',
    '<c r="Y{n}"><v>1&#46;2345678901234567</v></c>',
    '<c r="Z{n}" t="s"><v>&#49;</v></c>',
]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ROW_SHAPES), st.lists(st.sampled_from(LENGTH_SHAPES), max_size=6)
        ),
        max_size=8,
    ),
    st.integers(0, 45),
)
def test_the_kernel_blocks_lengths_are_their_texts_lengths(rows, index):
    """The lengths the kernel's reader hands the packer, without measuring every text."""
    block = "".join(
        shape.format(n=n + 1, cells="".join(c.format(n=n + 1, k=index) for c in cells))
        for n, (shape, cells) in enumerate(rows)
    ).encode()
    read = sheetxml._quick_block(block, STRINGS, DATES)
    if read is not None and read.lengths is not None:
        assert read.lengths.tolist() == [len(text) for text in read.texts]
        assert read.lengths.dtype == np.int64


# Values as a sheet may hold them: any ASCII but "<", with references, carriage returns and
# digits (shared-string indexes among them, in and out of range, with spaces or a sign).
VALUE_TEXTS = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=127, exclude_characters="<"), max_size=20),
    st.sampled_from(["&amp;", "a&#13;b", "&lt;&gt;", "x\r\ny", "\r", " 7", "+3", "007", "1_0"]),
    st.integers(0, 10**20).map(str),
)
VALUE_SHAPES = [
    '<c r="{col}{n}"><v>{v}</v></c>',
    '<c r="{col}{n}" t="s"><v>{v}</v></c>',
    '<c r="{col}{n}" t="n"><v>{v}</v></c>',
    '<c r="{col}{n}" t="b"><v>{v}</v></c>',
    '<c r="{col}{n}" s="1"><v>{v}</v></c>',
    '<c r="{col}{n}" t="str"><v>{v}</v></c>',
    '<c r="{col}{n}" t="inlineStr"><is><t>{v}</t></is></c>',
    '<c r="{col}{n}" t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>',
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ROW_SHAPES),
            st.lists(
                st.tuples(st.sampled_from(VALUE_SHAPES), st.sampled_from(["A", "Z", "AA", "XFD"])),
                max_size=6,
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(VALUE_TEXTS, min_size=36, max_size=36),
)
def test_the_kernel_reads_any_values_as_the_pattern_does(rows, values):
    """Each value's text, reference, shared index and length as the pattern reader reads it
    (where a value is one that Python's ``int`` refuses, both raise)."""
    from dlp.extract import sheetkernel

    texts = iter(values)
    block = "".join(
        shape.format(
            n=n + 1,
            cells="".join(c.format(n=n + 1, col=col, v=next(texts)) for c, col in cells),
        )
        for n, (shape, cells) in enumerate(rows)
    ).encode()

    def read(kernel: bool):
        with pytest.MonkeyPatch.context() as patched:
            if not kernel:
                patched.setattr(sheetkernel, "compiled", lambda: None)
            try:
                found = sheetxml._quick_block(block, STRINGS, DATES)
            except ValueError as error:
                return type(error)
            return None if found is None else (found.rows(), found.lengths)

    fast, slow = read(True), read(False)
    if isinstance(fast, tuple) and isinstance(slow, tuple):
        assert fast[0] == slow[0]
        if fast[1] is not None:
            assert fast[1].tolist() == [len(text) for _, cells in fast[0] for _, text in cells]
    else:
        assert fast == slow


def test_the_kernel_has_room_for_the_densest_blocks():
    from dlp.extract import sheetkernel

    cells = '<c r="A1"><v>1</v></c>' * 50
    for block in (f"<row>{cells}</row>", "<row>" * 40, "<row/>" * 40, f"<row>{cells}" * 3):
        count, rows, _, _, _ = _kernel_read(block.encode())
        assert count != sheetkernel.NOT_UNDERSTOOD, block
        assert rows == block.count("<row")


# Pieces of a block around the end of the sheet's rows: "</sheetData" where sheets have it,
# and where they do not (twice, inside an attribute value, before a row).
ENDINGS = [
    "</sheetData>",
    "</sheetData>",
    '<row r="7" x="</sheetData>"><c r="A7"><v>7</v></c></row>',
    '<row r="8"><c r="A8" t="inlineStr"><is><t>&lt;/sheetData&gt;</t></is></c></row>',
    "<!-- a comment -->",
    '<rowBreaks count="1"><brk id="3"/></rowBreaks>',
    "<headerFooter><oddHeader>Página</oddHeader></headerFooter>",
    "</worksheet>",
]


def _old_block_rows(block: bytes):
    """``_block_rows`` as it was: cut at the last "</sheetData" first (pattern reader)."""
    from dlp.extract import sheetkernel

    first = sheetxml._ROW_START.search(block)
    if first is None:
        return None
    start = first.start()
    stop = block.rfind(b"</sheetData")
    rows = block[start:] if stop < start else block[start:stop]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sheetkernel, "compiled", lambda: None)
        quick = sheetxml._quick_rows(rows, STRINGS, DATES)
    if quick is not None:
        return quick
    try:
        return list(sheetxml._fragment_rows(rows, STRINGS, DATES, _DECLARATIONS))
    except Exception as error:  # lxml's refusal of a damaged block: the same either way
        return type(error)


_DECLARATIONS = b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(ROW_SHAPES),
                st.lists(st.sampled_from(CELL_SHAPES[:16]), max_size=3),
            ).map(
                lambda row: row[0].format(n=1, cells="".join(c.format(n=1, k=2) for c in row[1]))
            ),
            st.sampled_from(ENDINGS),
        ),
        max_size=10,
    )
)
def test_blocks_are_cut_at_the_last_sheet_data_end_as_before(pieces):
    """The kernel's stop at the first "</sheetData" reads every block as the search for the
    last one and the cut there did."""
    block = ("<sheetData>" + "".join(pieces)).encode()
    try:
        read = sheetxml._block_rows(block, STRINGS, DATES, _DECLARATIONS)
    except Exception as error:
        found = type(error)
    else:
        found = None if read is None else read.rows()
    assert found == _old_block_rows(block)


def test_readers_taking_turns_keep_their_own_cells(monkeypatch):
    """The kernel's arrays are one thread's, reused block after block: what a block keeps
    of them is its own copy, whichever reader runs next."""
    monkeypatch.setattr(sheetxml, "_BLOCK", 300)
    monkeypatch.setattr(sheetxml, "_HEAD", 200)

    def sheet(tag: str) -> bytes:
        return _sheet(
            "".join(
                f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{tag} {n}</t></is></c>'
                f'<c r="C{n}" s="2"><v>{n * 3}.25</v></c><c r="D{n}" t="s"><v>{n % 7}</v></c></row>'
                for n in range(1, 80)
            )
        )

    alone = [list(sheetxml.sheet_blocks(io.BytesIO(sheet(t)), STRINGS, DATES)) for t in "xy"]
    first = sheetxml.sheet_blocks(io.BytesIO(sheet("x")), STRINGS, DATES)
    second = sheetxml.sheet_blocks(io.BytesIO(sheet("y")), STRINGS, DATES)
    together: list[list[sheetxml.RowBlock]] = [[], []]
    for a, b in zip(first, second, strict=True):
        together[0].append(a)
        together[1].append(b)
    assert len(together[0]) > 3
    for read_alone, read_together in zip(alone, together, strict=True):
        for block, other in zip(read_alone, read_together, strict=True):
            assert block == other
            assert block.column_numbers is not None and other.column_numbers is not None
            assert block.column_numbers.tolist() == other.column_numbers.tolist()
            assert block.row_indexes.tolist() == other.row_indexes.tolist()  # type: ignore[union-attr]
            assert block.lengths.tolist() == other.lengths.tolist()  # type: ignore[union-attr]


def test_the_kernel_rounds_with_the_readers_digits():
    from dlp.extract import sheetkernel

    assert sheetkernel._SHOWN_DIGITS == sheetxml.SHOWN_DIGITS


# Long numbers as sheets hold them: doubles as Python and Excel write them (prices, ratios,
# measurements), digit strings of every shape around the kernel's limits, and near misses.
LONG_NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=-1e15, max_value=1e15).map(repr),
    st.floats(min_value=-1e3, max_value=1e3).map(lambda x: repr(round(x, 2) + x / 3e13)),
    st.decimals(allow_nan=False, allow_infinity=False, places=18).map(str),
    st.from_regex(r"-?[0-9]{0,17}\.[0-9]{0,22}", fullmatch=True),
    st.from_regex(r"-?0\.0{0,6}[1-9][0-9]{14,18}", fullmatch=True),
    st.from_regex(r"-?[1-9][0-9]{12,15}\.[0-9]{2,6}", fullmatch=True),
    st.from_regex(r"-?9{1,16}\.9{1,16}[0-9]?", fullmatch=True),
    st.sampled_from(["0.30000000000000004", "-0.0000000000000000", "+1.00000000000000001"]),
).filter(lambda value: len(value) > sheetxml.SHOWN_DIGITS + 1)


@settings(max_examples=1500, deadline=None)
@given(st.lists(LONG_NUMBERS, min_size=1, max_size=8), st.sampled_from(["", ' s="1"', ' s="2"']))
def test_long_numbers_are_shown_as_the_pattern_shows_them(values, style):
    """The kernel's rounding of long fractions (``sheetkernel._shown``) against
    ``shown_number``: every value, in number cells with and without a date style."""
    from dlp.extract import sheetkernel

    block = "".join(
        f'<row r="{n}"><c r="A{n}"{style}><v>{v}</v></c><c r="B{n}"{style} t="n"><v>{v}</v></c>'
        "</row>"
        for n, v in enumerate(values, start=1)
    ).encode()
    dates = frozenset({2})
    fast = sheetxml._quick_block(block, STRINGS, dates)
    assert fast is not None
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sheetkernel, "compiled", lambda: None)
        slow = sheetxml._quick_block(block, STRINGS, dates)
    assert slow is not None
    assert fast.rows() == slow.rows()
    assert fast.lengths is not None
    assert fast.lengths.tolist() == [len(text) for text in fast.texts]
    if style != ' s="2"':
        expected = [sheetxml.shown_number(v) for v in values for _ in "AB"]
        assert fast.texts == [t for t in expected if t]
