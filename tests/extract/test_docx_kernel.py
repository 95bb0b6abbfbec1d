"""The compiled reader of Word parts (``docxkernel``) gives ``part_segments`` exactly what lxml
gives it for the same part, or it leaves the part to lxml: any shape, text or damage."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import docx, docxkernel
from dlp.extract.context import Clocks, Context
from dlp.extract.dispatch import extract_source
from dlp.extract.limits import Limits
from dlp.model import Location

W = docxkernel.W_NS.decode()
GOOD_PIECES = [*list("aZ 09-é☃\t\n\r>\"'];:="), "\r\n", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
BAD_PIECES = ["<", "&", "\x01", "\ufffe", "\x0b", "\x00", "&#65;", "&#13;", "&bogus;", "]]>"]
GOOD_NAMES = ["w:p", "w:r", "w:t", "w:delText", "w:tab", "w:br", "w:cr", "w:tc", "w:tbl"]
GOOD_NAMES += ["w:rPr", "a:t", "a:p", "r:x", "t", "p", "w:T", "w:pp", "w:t.x", "w:_1"]
BAD_NAMES = ["x:t", "xml:t", "w:t:x", "w:1", "xmlns:t", "w:"]
GOOD_ATTRIBUTES = ["", "", "", ' xml:space="preserve"', ' w:val="1"', " w:val='a&amp;b'"]
GOOD_ATTRIBUTES += [' r:id="rId1"', ' a:val="1" w:val="2"', ' val = "x>y"', "\r\n\tw:val='1' "]
GOOD_ATTRIBUTES += [' w:val="1" a:val="2" val="3" xml:lang="en"', ' w:val="é\t\r\n"']
BAD_ATTRIBUTES = [' w:val="1" w:val="2"', ' w:val="1"w:x="2"', ' x:val="1"', ' xmlns:q="urn:q"']
BAD_ATTRIBUTES += [
    ' xml:id="1 2"',
    ' xml:base=":"',
    ' xmlns="urn:d"',
    ' w:val="a<b"',
    ' w:val="\x01"',
    ' w:val="&#65;"',
    " w:v",
]
GOOD_BETWEEN = ["", " ", "\r\n", "x", "&amp;"]
BAD_BETWEEN = ["<!-- c -->", "<![CDATA[x]]>", "&#1;", "<?pi x?>"]


def _pick(good: list[str], bad: list[str], noisy: bool) -> st.SearchStrategy[str]:
    """One of ``good``, or with ``noisy`` now and then one of ``bad``."""
    return st.sampled_from(good * 20 + bad if noisy else good)


@st.composite
def element(draw: st.DrawFn, noisy: bool, depth: int = 0) -> str:
    text = st.lists(_pick(GOOD_PIECES, BAD_PIECES, noisy), max_size=6).map("".join)
    name = draw(_pick(GOOD_NAMES, BAD_NAMES, noisy))
    attributes = draw(_pick(GOOD_ATTRIBUTES, BAD_ATTRIBUTES, noisy))
    shape = draw(st.integers(0, 9 if depth < 4 else 2))
    if shape == 0:
        return f"<{name}{attributes}/>"
    # (an element inside a text is lxml's to read: only a noisy part has one)
    if shape <= 2 or (name in ("w:t", "w:delText") and not noisy):
        return f"<{name}{attributes}>{draw(text)}</{name}>"
    children = draw(st.lists(element(noisy, depth + 1), max_size=4))
    between = draw(_pick(GOOD_BETWEEN, BAD_BETWEEN, noisy))
    end = draw(_pick([name], ["w:other", f"{name} ", f"{name}\r\n"], noisy))
    return f"<{name}{attributes}>{between.join(children)}{draw(text)}</{end}>"


HEAD = st.sampled_from(
    [
        *['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'] * 8,
        '<?xml version="1.0"?>',
        "",
        " ",
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        "\ufeff",
        "<!DOCTYPE d>",
    ]
)
ROOT = st.sampled_from(
    [
        *[f'<w:document xmlns:w="{W}" xmlns:r="urn:r" xmlns:a="urn:a">'] * 12,
        f'<w:document xmlns:w="{W}"\r\n xmlns:a="urn:a" xml:lang="en" a:Ignorable="x">',
        f'<w:document xmlns:a="urn:a" xmlns:w="{W}" xmlns:r="urn:r" xmlns="urn:d">',
        f'<w:document xmlns:w="{W}" xmlns:r="urn:a" xmlns:a="urn:a">',
        f'<w:document xmlns:w="{W}" xmlns:v="{W}">',
        f'<w:document xmlns="{W}" xmlns:w="{W}">',
        f'<w:p xmlns:w="{W}">',
        f'<x:document xmlns:w="{W}">',
        f'<w:document xmlns:w="{W}" xmlns:r="">',
        f'<w:document xmlns:w="{W}" xmlns:r="a b" xml:id="1 2">',
        f'<w:document xmlns:w="{W}" xmlns:r="http://x/%zz">',
        f'<w:document xmlns:w="{W}" xmlns:r="http://www.w3.org/XML/1998/namespace">',
        f'<w:document xmlns:w="{W}" xmlns="http://www.w3.org/2000/xmlns/">',
        f'<w:document xmlns:w="{W}" xmlns:r="a:b#c#d" xmlns:a="http://x:y/">',
        f'<w:document xmlns:w="{W}" w:x="1" w:x="2">',
        '<w:document xmlns:w="urn:not-word">',
    ]
)
TAIL = st.sampled_from(["", " \r\n"] * 6 + ["<!-- end -->", "x", "<w:p/>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(element(noisy=True), min_size=1, max_size=6), st.integers(0, 30))
def test_what_lxml_refuses_or_reads_otherwise_is_left_to_it(body, limit):
    document = f'<w:document xmlns:w="{W}" xmlns:a="urn:a" xmlns:r="urn:r">'
    _same(f"{document}{''.join(body)}</w:document>".encode(), limit)


def _lxml(data: bytes, limit: int) -> tuple[list[str], str | None]:
    """``part_segments``'s reading by lxml alone: the segments, and the error's class."""
    ctx = Context(Limits(segment_chars=limit), extract_source, Clocks())
    texts: list[str] = []
    try:
        for segment in docx._parsed_segments(io.BytesIO(data), Location(("d.docx",)), ctx):
            texts.append(segment.text)
    except Exception as error:
        return texts, type(error).__name__
    return texts, None


def _kernel(data: bytes, limit: int) -> list[str] | None:
    read = docxkernel.read_part(data, limit)
    if read is None:
        return None
    segments, rest = read
    return segments + ([rest] if rest.strip() else [])


def _same(data: bytes, limit: int) -> bool:
    """Whether the kernel read the part (else it is lxml's); asserts it read it as lxml."""
    fast = _kernel(data, limit)
    if fast is not None:
        assert _lxml(data, limit) == (fast, None)
    return fast is not None


@pytest.fixture(autouse=True)
def _needs_numba() -> None:
    pytest.importorskip("numba")


@settings(max_examples=400, deadline=None)
@given(
    HEAD,
    ROOT,
    st.lists(element(noisy=False), max_size=5),
    TAIL,
    st.integers(0, 12),
    st.sampled_from(["</w:document>"] * 20 + ["</w:document >", "</w:p>", "</x:document>", ""]),
)
def test_the_kernel_reads_parts_as_lxml_does(head, root, body, tail, limit, end):
    _same(f"{head}{root}{''.join(body)}{end}{tail}".encode(), limit)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(element(noisy=False), min_size=1, max_size=6),
    st.integers(0, 30),
    st.data(),
)
def test_damage_anywhere_is_left_to_lxml_or_read_as_lxml_reads_it(body, limit, data):
    document = f'<?xml version="1.0"?><w:document xmlns:w="{W}" xmlns:a="urn:a" xmlns:r="urn:r">'
    document += "".join(body) + "</w:document>"
    raw = bytearray(document.encode())
    where = data.draw(st.integers(0, len(raw)))
    how = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    byte = data.draw(st.sampled_from([*b"<>/=\"'& :\r\x00wtp%", 0xC3, 0xEF, 0xBF]))
    if how == "insert":
        raw[where:where] = bytes([byte])
    elif where < len(raw):
        raw[where : where + 1] = b"" if how == "delete" else bytes([byte])
    _same(bytes(raw), limit)


def _word_like(paragraphs: int) -> bytes:
    runs = "".join(
        f'<w:p w14:paraId="1A2B{n:04d}" w:rsidR="00AB12CD"><w:pPr><w:pStyle w:val="Normal"/>'
        f'</w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Line {n} &amp; é\r\n'
        f"</w:t><w:tab/><w:delText>old</w:delText><w:br/></w:r></w:p>"
        f"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        for n in range(paragraphs)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<w:document xmlns:wpc="urn:wpc" xmlns:mc="urn:mc" xmlns:w="{W}" '
        'xmlns:w14="urn:w14" mc:Ignorable="w14 wp14">'
        f'<w:body>{runs}<w:sectPr><w:pgSz w:w="12240" w:h="15840"/></w:sectPr></w:body>'
        "</w:document>"
    ).encode()


@pytest.mark.parametrize("limit", [0, 1, 40, 1000, 64 * 1024])
def test_the_kernel_reads_a_word_like_part(limit):
    assert _same(_word_like(300), limit)


def test_part_segments_read_whole_and_streamed_alike():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", _word_like(2000))
    ctx = Context(Limits(segment_chars=4096), extract_source, Clocks())
    location = Location(("d.docx",))
    with zipfile.ZipFile(buffer) as archive:
        whole = list(docx.part_segments(archive, "word/document.xml", location, ctx))
        streamed = list(docx._parsed_segments(archive.open("word/document.xml"), location, ctx))
    assert len(whole) > 5
    assert whole == streamed


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["", "a", "urn", "http", "x+y.z-1", "1a"]),
    st.sampled_from([":", "", "::"]),
    st.text(alphabet="ab09:/.#%~-_?@ []!", max_size=16),
    st.sampled_from(["xmlns:r", "xmlns"]),
)
def test_a_namespace_the_kernel_takes_is_one_lxml_takes(scheme, colon, rest, declaration):
    uri = scheme + colon + rest
    tag = f'<w:document xmlns:w="{W}" {declaration}="{uri}">'.encode()
    document = tag + b"<w:p><w:t>x</w:t></w:p></w:document>"
    if docxkernel.root(document) is not None:
        assert _lxml(document, 1) == (["x\n"], None)


@pytest.mark.parametrize(
    "uri",
    [
        b"http://schemas.microsoft.com/office/word/2010/wordml",
        b"urn:schemas-microsoft-com:office:office",
        b"http://schemas.openxmlformats.org/markup-compatibility/2006",
    ],
)
def test_the_namespaces_word_declares_are_plain(uri):
    assert docxkernel._PLAIN_URI.fullmatch(uri)
