"""The shared strings read by regular expressions (``xlsx.plain_shared_strings``) are lxml's
reading of the same part, or it leaves the part to lxml: any shape, text or damage."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from dlp.extract import xlsx
from dlp.extract.xmlparse import iterparse

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PIECES = [*list("aZ 09-é☃\t\n\r<>&\"'];"), "\x01", "\ufffe", "\x0b"]
PIECES += ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x1;", "&bogus;", "]]>"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)
ITEM = st.one_of(
    TEXT.map(lambda t: f"<si><t>{t}</t></si>"),
    TEXT.map(lambda t: f'<si><t xml:space="preserve">{t}</t></si>'),
    TEXT.map(lambda t: f"<si><r><rPr/><t>{t}</t></r><r><t>x</t></r></si>"),
    TEXT.map(lambda t: f"<si><t>{t}</t><rPh sb='0' eb='1'><t>yomi</t></rPh></si>"),
    st.sampled_from(["<si><t/></si>", "<si/>", "<!-- <si><t>c</t></si> -->", " \r\n", "junk"]),
)
HEAD = st.sampled_from(
    [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n',
        '<?xml version="1.0"?>',
        "",
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        " ",
    ]
)
ROOT = st.sampled_from(
    [
        f'<sst xmlns="{NS}" count="3" uniqueCount="3">',
        f'<sst xmlns="{NS}">',
        '<sst xmlns="urn:other">',
        f'<x:sst xmlns:x="{NS}">',
        f'<sst xmlns="{NS}" count="1" count="2">',
    ]
)


def lxml_strings(data: bytes) -> list[str] | str:
    strings = []
    try:
        for _, element in iterparse(io.BytesIO(data), tags=[f"{{{NS}}}si"]):
            for phonetic in element.iter(f"{{{NS}}}rPh"):
                phonetic.clear()
            strings.append("".join(t.text or "" for t in element.iter(f"{{{NS}}}t")))
    except etree.XMLSyntaxError:
        return "refused"
    return strings


@settings(max_examples=400, deadline=None)
@given(HEAD, ROOT, st.lists(ITEM, max_size=8), st.sampled_from(["</sst>", "</sst>\n", "</ss>"]))
def test_plain_shared_strings_are_lxmls(head, root, items, end):
    if root.startswith("<x:"):
        end = end.replace("</ss", "</x:ss")
    text = head + root + "".join(items) + end
    try:
        data = text.encode("latin-1" if "ISO-8859-1" in head else "utf-8")
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    quick = xlsx.plain_shared_strings(data)
    if quick is not None:
        assert quick == lxml_strings(data)


def test_the_usual_part_is_read_the_quick_way():
    items = "".join(f"<si><t>{t}</t></si>" for t in ["Student ID", "a &amp; b", "x\r\ny"])
    data = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<sst xmlns="{NS}" count="3" uniqueCount="3">{items}</sst>'
    ).encode()
    assert xlsx.plain_shared_strings(data) == ["Student ID", "a & b", "x\ny"] == lxml_strings(data)


PLAIN_PIECES = [*list("aZ 09-é☃\t\n\r>\"'];"), "&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
PLAIN_TEXT = st.lists(st.sampled_from(PLAIN_PIECES), max_size=10).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["<t>", '<t xml:space="preserve">']), PLAIN_TEXT).map(
            lambda item: f"<si>{item[0]}{item[1]}</t></si>"
        ),
        max_size=8,
    ),
    st.sampled_from(["", "&#65;", "\x01", "]]>", "&bogus;", "<t>x</t>"]),
)
def test_plain_parts_are_read_the_quick_way_and_damage_goes_to_lxml(items, damage):
    if damage:
        items = [*items, f"<si><t>{damage}</t></si>"]
    data = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<sst xmlns="{NS}" count="9">{"".join(items)}</sst>'
    ).encode()
    quick = xlsx.plain_shared_strings(data)
    assert (quick is None) == bool(damage)
    if quick is not None:
        assert quick == lxml_strings(data)
