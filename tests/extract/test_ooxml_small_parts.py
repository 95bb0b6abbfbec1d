"""Small parts parsed whole (``ooxml.tagged``) give what ``iterparse`` gave: the same
relationships and sheets in the same order, or the same error, whatever the part holds."""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import ooxml, xlsx
from dlp.extract.context import Clocks, Context
from dlp.extract.dispatch import extract_source
from dlp.extract.limits import Limits
from dlp.extract.sheetxml import S
from dlp.extract.xmlparse import iterparse, release

_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CTX = Context(Limits(ocr=False), extract_source, Clocks())


def _old_relationships(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """``ooxml.relationships`` as it was, all by ``iterparse``."""
    folder, filename = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", filename + ".rels")
    if rels_name not in archive.NameToInfo:
        return {}
    targets: dict[str, str] = {}
    with ooxml.open_part(archive, rels_name, _CTX) as stream:
        for _, element in iterparse(stream, tags=[ooxml.PKG_REL]):
            target = element.get("Target", "")
            if element.get("TargetMode") != "External" and target:
                if target.startswith("/"):
                    resolved = target.lstrip("/")
                else:
                    resolved = posixpath.normpath(posixpath.join(folder, target))
                targets[element.get("Id", "")] = resolved
            release(element)
    return targets


def _old_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    rels = _old_relationships(archive, "xl/workbook.xml")
    sheets: list[tuple[str, str]] = []
    with ooxml.open_part(archive, "xl/workbook.xml", _CTX) as stream:
        for _, element in iterparse(stream, tags=[S + "sheet"]):
            target = rels.get(element.get(xlsx._REL_ID, ""))
            if target:
                sheets.append((element.get("name", target), target))
    return sheets


def _outcome(read: Any, archive: zipfile.ZipFile) -> object:
    try:
        return read(archive)
    except Exception as error:  # the same error, with the same message
        return (type(error), str(error))


def _archive(rels: bytes, workbook: bytes, compress: int) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


_IDS = st.sampled_from(["rId1", "rId2", "rId3", "", "rId&amp;1"])
_TARGETS = st.sampled_from(
    ["worksheets/sheet1.xml", "/xl/worksheets/sheet2.xml", "../x.xml", "", "a&amp;b.xml", "&e;"]
)


@st.composite
def _rel(draw: st.DrawFn) -> str:
    attributes = f'Id="{draw(_IDS)}" Target="{draw(_TARGETS)}"'
    if draw(st.booleans()):
        attributes += ' TargetMode="External"'
    inner = draw(st.sampled_from(["", "<Relationship Id='rId9' Target='in.xml'/>", "<x/>"]))
    return (
        f"<Relationship {attributes}>{inner}</Relationship>"
        if inner
        else (f"<Relationship {attributes}/>")
    )


@st.composite
def _sheet(draw: st.DrawFn) -> str:
    inner = draw(st.sampled_from(["", '<sheet name="in" r:id="rId1"/>']))
    attributes = f'name="{draw(st.sampled_from(["P1", "a&amp;b", "&e;"]))}" r:id="{draw(_IDS)}"'
    return f"<sheet {attributes}>{inner}</sheet>" if inner else f"<sheet {attributes}/>"


_HEADS = st.sampled_from(
    [
        "",
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE r [<!ENTITY e "ent">]>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE r SYSTEM "http://x/y.dtd">',
    ]
)
_TAILS = st.sampled_from(["", "<", "<junk>", "&unknown;", "<Relationship Id='z' Target='t'/>"])


@settings(max_examples=300, deadline=None)
@given(
    _HEADS,
    st.lists(_rel(), max_size=6),
    _TAILS,
    st.lists(_sheet(), max_size=5),
    _TAILS,
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_as_iterparse_read_them(
    head: str, rels: list[str], rels_tail: str, sheets: list[str], tail: str, compress: int
) -> None:
    rels_part = f'{head}<Relationships xmlns="{_PKG}">{"".join(rels)}</Relationships>{rels_tail}'
    workbook = (
        f'{head}<workbook xmlns="{S[1:-1]}" xmlns:r="{ooxml.REL_NS}"><sheets>'
        f"{''.join(sheets)}</sheets></workbook>{tail}"
    )
    archive = _archive(rels_part.encode(), workbook.encode(), compress)

    def new_rels(archive: zipfile.ZipFile) -> dict[str, str]:
        return ooxml.relationships(archive, "xl/workbook.xml", _CTX)

    def old_rels(archive: zipfile.ZipFile) -> dict[str, str]:
        return _old_relationships(archive, "xl/workbook.xml")

    new, old = _outcome(new_rels, archive), _outcome(old_rels, archive)
    assert new == old
    if isinstance(new, dict):
        assert list(new) == list(old)  # in the same order
    assert _outcome(lambda a: xlsx._sheets(a, _CTX), archive) == _outcome(_old_sheets, archive)


def test_a_large_part_is_streamed_alike() -> None:
    rels = "".join(
        f'<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml"/>' for n in range(3000)
    )
    part = f'<Relationships xmlns="{_PKG}">{rels}</Relationships>'.encode()
    assert len(part) > ooxml._SMALL_PART
    archive = _archive(part, b"<workbook/>", zipfile.ZIP_DEFLATED)
    new = ooxml.relationships(archive, "xl/workbook.xml", _CTX)
    assert list(new.items()) == list(_old_relationships(archive, "xl/workbook.xml").items())
    assert len(new) == 3000


def test_a_damaged_part_raises_alike() -> None:
    part = f'<Relationships xmlns="{_PKG}"><Relationship Id="a" Target="b"/></Relationships>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/_rels/workbook.xml.rels", part * 50)
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    data = bytearray(buffer.getvalue())
    data[60:70] = b"\xff" * 10  # inside the first member's deflated data
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))

    def new_rels(archive: zipfile.ZipFile) -> dict[str, str]:
        return ooxml.relationships(archive, "xl/workbook.xml", _CTX)

    def old_rels(archive: zipfile.ZipFile) -> dict[str, str]:
        return _old_relationships(archive, "xl/workbook.xml")

    assert _outcome(new_rels, archive) == _outcome(old_rels, archive)
