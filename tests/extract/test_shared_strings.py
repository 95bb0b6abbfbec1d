"""The shared strings read by regular expressions (``xlsx.plain_shared_strings``) are lxml's
reading of the same part, or it leaves the part to lxml: any shape, text or damage."""

from __future__ import annotations

import io

import pytest
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


# Between and after the items: white space of every kind \s takes (non-ASCII too), controls.
GAPS = st.one_of(
    st.sampled_from(["", " ", "\r\n", "\t"]),
    st.sampled_from(["\x0b", "\x1c", "\x85", "\xa0", "\u2003", "x"]),
)
PLAIN_ITEMS = st.tuples(st.sampled_from(["<t>", '<t xml:space="preserve">']), TEXT).map(
    lambda item: f"<si>{item[0]}{item[1]}</t></si>"
)


def _regex_strings(data: bytes) -> list[str] | None:
    """``plain_shared_strings`` by the regular expressions alone, as before the kernel."""
    from dlp.extract import sharedstrings

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sharedstrings, "compiled", lambda: None)
        return xlsx.plain_shared_strings(data)


@settings(max_examples=600, deadline=None)
@given(
    HEAD,
    ROOT,
    st.lists(st.tuples(GAPS, st.one_of(PLAIN_ITEMS, ITEM)), max_size=8),
    GAPS,
    st.sampled_from(["</sst>", "</sst>\n", "</ss>", "</sst><si><t>late</t></si>", ""]),
    GAPS,
)
def test_the_kernel_reads_parts_as_the_regular_expressions_do(head, root, items, gap, end, tail):
    """Any shape, text, white space or damage: the same strings, or None both ways."""
    text = head + root + "".join(g + item for g, item in items) + gap + end + tail
    data = text.encode("utf-8")
    assert xlsx.plain_shared_strings(data) == _regex_strings(data)


def test_the_kernel_reads_the_usual_part():
    from dlp.extract import sharedstrings

    items = "".join(f"<si><t>{t}</t></si>\r\n" for t in ["Student ID", "a &amp; b", "é☃", ""])
    data = f'<?xml version="1.0"?>\n<sst xmlns="{NS}" count="4">{items}</sst>'.encode()
    start = data.index(b"<si>")
    assert sharedstrings.compiled() is not None
    assert xlsx._kernel_strings(data, start) == (["Student ID", "a &amp; b", "é☃", ""], 10)
    assert xlsx.plain_shared_strings(data) == ["Student ID", "a & b", "é☃", ""]


DAMAGE = ["]]>", "&bogus;", "&amp", "\x01", "\x1f", "\ufffe", "\uffff", "\x0b", "&#65;", "<b/>"]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "", " ", "\r\n", "\t", "\xa0"]), PLAIN_ITEMS), max_size=6
    ),
    st.sampled_from(["</sst>", "</sst>\r\n", " </sst>\x0c", "</sst>x"]),
    st.sampled_from(["", "", *DAMAGE]),
    st.integers(0, 5),
)
def test_the_kernel_reads_plain_parts_as_the_regular_expressions_do(items, end, damage, where):
    """Parts of the plain shape, with each piece of text the regular expressions refuse."""
    texts = [gap + item for gap, item in items] or ["<si><t></t></si>"]
    place = texts[where % len(texts)]
    texts[where % len(texts)] = place.replace("</t>", damage + "</t>", 1)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{NS}">'
    data = (head + "".join(texts) + end).encode("utf-8")
    assert xlsx.plain_shared_strings(data) == _regex_strings(data)
