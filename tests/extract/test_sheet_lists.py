"""``xlsx._sheets`` remembers a workbook's sheets by the bytes of its workbook part and its
relationships: the same list as reading them (``_read_sheets``), for any workbook, however
many times asked, and the same error where reading them fails."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, xlsx
from dlp.extract.context import Context

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_NAME = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_SHEET = st.tuples(
    _NAME,  # sheet name
    st.integers(1, 4),  # relationship id number
    st.sampled_from(["worksheets/sheet1.xml", "/xl/worksheets/sheet2.xml", "../x.xml", ""]),
    st.booleans(),  # external
)


def _workbook(sheets: list[tuple[str, int, str, bool]], with_rels: bool) -> zipfile.ZipFile:
    listed = "".join(
        f"<sheet name={quoteattr(name)} sheetId='{n}' r:id='rId{rid}'/>"
        for n, (name, rid, _, _) in enumerate(sheets, 1)
    )
    rels = "".join(
        f"<Relationship Id='rId{rid}' Type='t' Target={quoteattr(target)}"
        + (" TargetMode='External'" if external else "")
        + "/>"
        for _, rid, target, external in sheets
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            f"<workbook xmlns='{_MAIN}' xmlns:r='{_REL}'><sheets>{listed}</sheets></workbook>",
        )
        if with_rels:
            archive.writestr(
                "xl/_rels/workbook.xml.rels",
                f"<Relationships xmlns='{_PKG}'>{rels}</Relationships>",
            )
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _ctx() -> Context:
    return Context(Limits(ocr=False), None, None)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.lists(_SHEET, max_size=6), st.booleans())
def test_remembered_sheets_are_read_sheets(
    sheets: list[tuple[str, int, str, bool]], with_rels: bool
) -> None:
    archive = _workbook(sheets, with_rels)
    read = xlsx._read_sheets(archive, _ctx())
    assert xlsx._sheets(archive, _ctx()) == read
    again = _workbook(sheets, with_rels)  # another file, the same parts
    assert xlsx._sheets(again, _ctx()) == read
    assert xlsx._sheets(again, _ctx()) is not xlsx._sheets(again, _ctx())  # (the caller's)


def test_a_damaged_workbook_raises_as_before() -> None:
    archive = _workbook([("Grades", 1, "worksheets/sheet1.xml", False)], True)
    info = archive.getinfo("xl/workbook.xml")
    info.CRC ^= 1
    with pytest.raises(zipfile.BadZipFile) as before:
        xlsx._read_sheets(archive, _ctx())
    with pytest.raises(zipfile.BadZipFile) as now:
        xlsx._sheets(archive, _ctx())
    assert str(now.value) == str(before.value)


def test_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "_MAX_SHEET_LISTS", 3)
    monkeypatch.setattr(xlsx, "_SHEET_LISTS", {})
    for n in range(10):
        archive = _workbook([(f"Sheet {n}", 1, "worksheets/sheet1.xml", False)], True)
        assert xlsx._sheets(archive, _ctx()) == [(f"Sheet {n}", "xl/worksheets/sheet1.xml")]
        assert len(xlsx._SHEET_LISTS) <= 3


def test_a_workbook_that_does_not_parse_raises_as_before() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f"<workbook xmlns='{_MAIN}'><sheets>")
        archive.writestr("xl/_rels/workbook.xml.rels", f"<Relationships xmlns='{_PKG}'/>")
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with pytest.raises(Exception) as before:
        xlsx._read_sheets(archive, _ctx())
    with pytest.raises(Exception) as now:
        xlsx._sheets(archive, _ctx())
    assert type(now.value) is type(before.value)
    assert str(now.value) == str(before.value)


def test_each_part_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook not seen before is parsed from the bytes read for its key."""
    opened: list[str] = []
    open_part = xlsx.ooxml.open_part

    def counted(archive: zipfile.ZipFile, name: str, ctx: Context) -> object:
        opened.append(name)
        return open_part(archive, name, ctx)

    read_whole = xlsx.ooxml.read_whole

    def counted_whole(archive: zipfile.ZipFile, name: str, ctx: Context, most: int) -> object:
        read = read_whole(archive, name, ctx, most)
        if read is not None:
            opened.append(name)
        return read

    monkeypatch.setattr(xlsx.ooxml, "open_part", counted)
    monkeypatch.setattr(xlsx.ooxml, "read_whole", counted_whole)
    monkeypatch.setattr(xlsx, "_SHEET_LISTS", {})
    archive = _workbook([("Grades", 1, "worksheets/sheet1.xml", False)], True)
    assert xlsx._sheets(archive, _ctx()) == [("Grades", "xl/worksheets/sheet1.xml")]
    assert sorted(opened) == ["xl/_rels/workbook.xml.rels", "xl/workbook.xml"]
