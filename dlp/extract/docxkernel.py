"""``docx.part_segments``'s reading of a Word part held whole, in one compiled pass (numba).

lxml's ``iterparse`` builds an element for every tag of the part to hand over the few that
hold text: most of a Word file's extraction time. This kernel walks the part's bytes once and
writes out what ``part_segments`` makes of the same events, in the same order: each text of
a ``w:t`` or ``w:delText``, a newline for each paragraph, break and carriage return, a tab
for each tab and table cell; and where a segment ends (a paragraph's end once the texts since
the last one reach ``limit`` characters).

It reads the part only when it can tell that lxml reads it without an error and to the same
events: a well-formed document of start and end tags, attributes and text; every namespace
declared once, on the root, with a plain URI (`root`); names in ASCII; no entity but the five
named ones; no comment, processing instruction, CDATA section or DOCTYPE; no element inside a
``w:t``. A kept text's line ends are read as XML reads them (CR LF and CR as LF). Anything
else it gives up on (`NOT_UNDERSTOOD`) and lxml reads the part as before: a give-up costs
time, never a word (``tests/extract/test_docx_kernel.py`` holds the two to each other).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from itertools import pairwise

import numpy as np

from dlp.extract.kernelbytes import _bytes, _literal
from dlp.jit import LazyKernel

NOT_UNDERSTOOD = -1
W_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# What an element's end gives (``part_segments``): its text, a newline ending a paragraph
# (where a segment may end), a tab, a newline.
OTHER, TEXT, PARAGRAPH, TAB, NEWLINE = range(5)
# libxml2 refuses a document deeper than 256 elements (without ``huge_tree``): well short.
MOST_DEPTH = 200
MOST_ATTRIBUTES = 64
_LONGEST_NAME = 1000

Kernel = Callable[
    [bytes, int, int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int],
    tuple[int, int],
]

_AMP, _LT, _GT = _bytes(b"amp;"), _bytes(b"lt;"), _bytes(b"gt;")
_QUOT, _APOS = _bytes(b"quot;"), _bytes(b"apos;")
_XML, _XMLNS = _bytes(b"xml"), _bytes(b"xmlns")
_SPACE, _LANG = _bytes(b"space"), _bytes(b"lang")
_T, _DEL_TEXT, _P = _bytes(b"t"), _bytes(b"delText"), _bytes(b"p")
_TAB, _TC, _BR, _CR = _bytes(b"tab"), _bytes(b"tc"), _bytes(b"br"), _bytes(b"cr")
_HELPERS = (
    "_literal",
    "_equal",
    "_is_start",
    "_is_name",
    "_is_space",
    "_spaces",
    "_name",
    "_declared",
    "_local_kind",
    "_entity",
    "_bad_text_byte",
)


def warm() -> None:
    kernel = compiled()
    if kernel is not None:
        read_part(b'<w:document xmlns:w="' + W_NS + b'"><w:p><w:t>a</w:t></w:p></w:document>', 1)


def _equal(data: bytes, start: int, end: int, text: np.ndarray) -> bool:
    return end - start == len(text) and _literal(data, start, end, text)


def _is_start(byte: int) -> bool:
    # An ASCII name's first character, in a namespace-aware document: a letter or "_"
    return 65 <= byte <= 90 or 97 <= byte <= 122 or byte == 95


def _is_name(byte: int) -> bool:
    # An ASCII name's other characters: letters, digits, "_", "-", "." and ":"
    return _is_start(byte) or 48 <= byte <= 58 or byte == 45 or byte == 46


def _is_space(byte: int) -> bool:
    return byte == 32 or byte == 9 or byte == 10 or byte == 13


def _spaces(data: bytes, at: int, size: int) -> int:
    while at < size and _is_space(data[at]):
        at += 1
    return at


def _name(data: bytes, at: int, size: int) -> tuple[int, int]:
    """A qualified name at ``at``: (where it ends, where its colon is, -1 for none); where it
    ends is -1 when there is none, or not one of a namespace-aware document in ASCII."""
    if at >= size or not _is_start(data[at]):
        return -1, -1
    colon = -1
    end = at + 1
    while end < size and _is_name(data[end]):
        if data[end] == 58:
            if colon >= 0:
                return -1, -1
            colon = end
        end += 1
    if colon >= 0 and (colon + 1 >= end or not _is_start(data[colon + 1])):
        return -1, -1
    if end - at > _LONGEST_NAME:
        return -1, -1
    return end, colon


def _declared(data: bytes, start: int, end: int, prefixes: np.ndarray) -> bool:
    """Whether ``data[start:end]`` is one of ``prefixes`` (each between spaces)."""
    length = end - start
    count = len(prefixes)
    at = 0
    while at + length + 1 < count:
        if prefixes[at + 1 + length] == 32:
            same = True
            for offset in range(length):
                if prefixes[at + 1 + offset] != data[start + offset]:
                    same = False
                    break
            if same:
                return True
        at += 1
        while at < count and prefixes[at] != 32:
            at += 1
    return False


def _local_kind(data: bytes, start: int, end: int) -> int:
    """What the end of a main-namespace element with this local name gives."""
    if _equal(data, start, end, _T) or _equal(data, start, end, _DEL_TEXT):
        return TEXT
    if _equal(data, start, end, _P):
        return PARAGRAPH
    if _equal(data, start, end, _TAB) or _equal(data, start, end, _TC):
        return TAB
    if _equal(data, start, end, _BR) or _equal(data, start, end, _CR):
        return NEWLINE
    return OTHER


def _entity(data: bytes, at: int, size: int) -> int:
    """The character of the named entity whose "&" is at ``at`` and its length in bytes, as
    (byte << 8) | length; 0 when none starts there."""
    after = at + 1
    if _literal(data, after, size, _AMP):
        return (38 << 8) | 5
    if _literal(data, after, size, _LT):
        return (60 << 8) | 4
    if _literal(data, after, size, _GT):
        return (62 << 8) | 4
    if _literal(data, after, size, _QUOT):
        return (34 << 8) | 6
    if _literal(data, after, size, _APOS):
        return (39 << 8) | 6
    return 0


def _bad_text_byte(data: bytes, at: int, size: int) -> bool:
    """A byte that ends the reading of text or of an attribute's value: a control character
    XML forbids, "]]>", the start of U+FFFE or U+FFFF."""
    byte = data[at]
    if byte < 32:
        return byte != 9 and byte != 10 and byte != 13
    if byte == 93:
        return at + 2 < size and data[at + 1] == 93 and data[at + 2] == 62
    if byte == 0xEF:
        return at + 2 < size and data[at + 1] == 0xBF and data[at + 2] >= 0xBE
    return False


def read(
    data: bytes,
    start: int,
    root_start: int,
    root_end: int,
    main: np.ndarray,
    prefixes: np.ndarray,
    out: np.ndarray,
    cuts: np.ndarray,
    stack: np.ndarray,
    limit: int,
) -> tuple[int, int]:
    """The part's text from ``start`` (the end of the root's start tag, whose name is at
    ``root_start:root_end``) into ``out``, and the ends of its segments into ``cuts``:
    (bytes written, segments cut), or NOT_UNDERSTOOD. ``main``: the prefix of the main
    namespace; ``prefixes``: every declared prefix, each between spaces. ``out`` has room
    for the part's bytes, ``stack`` (3 x ``MOST_DEPTH``,
    then ``MOST_ATTRIBUTES`` x 2 of room for one tag's attribute names) is scratch.

    Nothing is allocated here (see ``sheetkernel.read``)."""
    size = len(data)
    written = 0
    cut = 0
    chars = 0  # characters of text since the last cut
    depth = 1
    stack[0, 0] = root_start
    stack[1, 0] = root_end
    stack[2, 0] = OTHER
    at = start
    while at < size:
        byte = data[at]
        if byte != 60:  # text
            if depth == 0 and not _is_space(byte):
                return NOT_UNDERSTOOD, 0
            if byte == 38:
                if _entity(data, at, size) == 0:
                    return NOT_UNDERSTOOD, 0
            elif _bad_text_byte(data, at, size):
                return NOT_UNDERSTOOD, 0
            at += 1
            continue
        if depth == 0 or at + 1 >= size:
            return NOT_UNDERSTOOD, 0
        if data[at + 1] == 47:  # "</"
            name_end, _ = _name(data, at + 2, size)
            if name_end < 0:
                return NOT_UNDERSTOOD, 0
            top = depth - 1
            open_start = stack[0, top]
            length = stack[1, top] - open_start
            if name_end - at - 2 != length:
                return NOT_UNDERSTOOD, 0
            for offset in range(length):
                if data[at + 2 + offset] != data[open_start + offset]:
                    return NOT_UNDERSTOOD, 0
            at = _spaces(data, name_end, size)
            if at >= size or data[at] != 62:
                return NOT_UNDERSTOOD, 0
            at += 1
            depth -= 1
            kind = stack[2, top]
        else:
            name_start = at + 1
            name_end, colon = _name(data, name_start, size)
            if name_end < 0:
                return NOT_UNDERSTOOD, 0
            kind = OTHER
            if colon >= 0:
                if _equal(data, name_start, colon, main):
                    kind = _local_kind(data, colon + 1, name_end)
                elif not _declared(data, name_start, colon, prefixes):
                    return NOT_UNDERSTOOD, 0
            at = name_end
            count = 0
            closed = False
            while True:
                spaced = _spaces(data, at, size)
                if spaced >= size:
                    return NOT_UNDERSTOOD, 0
                byte = data[spaced]
                if byte == 62:
                    at = spaced + 1
                    break
                if byte == 47:
                    if spaced + 1 >= size or data[spaced + 1] != 62:
                        return NOT_UNDERSTOOD, 0
                    at = spaced + 2
                    closed = True
                    break
                if spaced == at:  # no white space before an attribute
                    return NOT_UNDERSTOOD, 0
                at = spaced
                attribute_end, attribute_colon = _name(data, at, size)
                if attribute_end < 0:
                    return NOT_UNDERSTOOD, 0
                if attribute_colon >= 0:
                    if _equal(data, at, attribute_colon, _XMLNS):
                        return NOT_UNDERSTOOD, 0  # a namespace declared below the root
                    if _equal(data, at, attribute_colon, _XML):
                        # lxml checks the values of some of XML's own (xml:id): not these
                        local = attribute_colon + 1
                        if not (
                            _equal(data, local, attribute_end, _SPACE)
                            or _equal(data, local, attribute_end, _LANG)
                        ):
                            return NOT_UNDERSTOOD, 0
                    elif not (
                        _equal(data, at, attribute_colon, main)
                        or _declared(data, at, attribute_colon, prefixes)
                    ):
                        return NOT_UNDERSTOOD, 0
                elif _equal(data, at, attribute_end, _XMLNS):
                    return NOT_UNDERSTOOD, 0
                if count >= MOST_ATTRIBUTES:
                    return NOT_UNDERSTOOD, 0
                for earlier in range(count):  # an attribute twice
                    other = stack[0, MOST_DEPTH + earlier]
                    other_end = stack[1, MOST_DEPTH + earlier]
                    if other_end - other == attribute_end - at:
                        same = True
                        for offset in range(other_end - other):
                            if data[other + offset] != data[at + offset]:
                                same = False
                                break
                        if same:
                            return NOT_UNDERSTOOD, 0
                stack[0, MOST_DEPTH + count] = at
                stack[1, MOST_DEPTH + count] = attribute_end
                count += 1
                at = _spaces(data, attribute_end, size)
                if at >= size or data[at] != 61:  # "="
                    return NOT_UNDERSTOOD, 0
                at = _spaces(data, at + 1, size)
                if at >= size or (data[at] != 34 and data[at] != 39):
                    return NOT_UNDERSTOOD, 0
                quote = data[at]
                at += 1
                while at < size and data[at] != quote:
                    if data[at] == 60:
                        return NOT_UNDERSTOOD, 0
                    if data[at] == 38:
                        if _entity(data, at, size) == 0:
                            return NOT_UNDERSTOOD, 0
                    elif _bad_text_byte(data, at, size):
                        return NOT_UNDERSTOOD, 0
                    at += 1
                if at >= size:
                    return NOT_UNDERSTOOD, 0
                at += 1
            if not closed:
                if kind == TEXT:
                    # Its text, up to an end tag that must be its own: ``element.text``.
                    while at < size and data[at] != 60:
                        byte = data[at]
                        if byte == 38:
                            entity = _entity(data, at, size)
                            if entity == 0:
                                return NOT_UNDERSTOOD, 0
                            out[written] = entity >> 8
                            written += 1
                            chars += 1
                            at += entity & 255
                            continue
                        if byte == 13:  # a line end, as XML reads "\r\n" and "\r"
                            out[written] = 10
                            written += 1
                            chars += 1
                            at += 2 if at + 1 < size and data[at + 1] == 10 else 1
                            continue
                        if _bad_text_byte(data, at, size):
                            return NOT_UNDERSTOOD, 0
                        out[written] = byte
                        written += 1
                        if byte & 0xC0 != 0x80:
                            chars += 1
                        at += 1
                    length = name_end - name_start
                    if at + 2 + length >= size or data[at + 1] != 47:
                        return NOT_UNDERSTOOD, 0
                    for offset in range(length):
                        if data[at + 2 + offset] != data[name_start + offset]:
                            return NOT_UNDERSTOOD, 0
                    at = _spaces(data, at + 2 + length, size)
                    if at >= size or data[at] != 62:
                        return NOT_UNDERSTOOD, 0
                    at += 1
                    continue
                if depth >= MOST_DEPTH:
                    return NOT_UNDERSTOOD, 0
                stack[0, depth] = name_start
                stack[1, depth] = name_end
                stack[2, depth] = kind
                depth += 1
                continue
        # An element's end: its own tag's, or a tag that closes itself.
        if kind == PARAGRAPH:
            out[written] = 10
            written += 1
            if chars >= limit:
                if cut >= len(cuts):
                    return NOT_UNDERSTOOD, 0
                cuts[cut] = written
                cut += 1
                chars = 0
        elif kind == TAB:
            out[written] = 9
            written += 1
        elif kind == NEWLINE:
            out[written] = 10
            written += 1
    if depth != 0:
        return NOT_UNDERSTOOD, 0
    return written, cut


# The XML declaration as Word and most writers put it, then the root's start tag with its
# attributes in double quotes (no "&" or "<" in them).
_ROOT = re.compile(
    rb'(?:<\?xml version="1\.0"(?: encoding="(?:UTF|utf)-8")?(?: standalone="(?:yes|no)")? ?\?>)?'
    rb"[ \t\r\n]*<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)"
    rb'((?:[ \t\r\n]+[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?[ \t\r\n]*=[ \t\r\n]*"[^"<&]*")*)'
    rb"[ \t\r\n]*>"
)
_ROOT_ATTRIBUTE = re.compile(
    rb'([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[ \t\r\n]*=[ \t\r\n]*"([^"]*)"'
)
# What XML forbids in an attribute's value: control characters, U+FFFE and U+FFFF.
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
# A namespace's name that lxml takes for a URI without a doubt (it refuses, at the end of
# the part, one it cannot parse: "a b", "%zz", "a:b#c#d", "http://x:y/"): a scheme, then a
# host and a path, or a path alone, of letters, digits and "._~:-" between slashes.
_PLAIN_URI = re.compile(
    rb"[A-Za-z][A-Za-z0-9+.-]*:"
    rb"(?://[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~:-]*)*|(?!/)[A-Za-z0-9._~:-]+(?:/[A-Za-z0-9._~:-]*)*)"
)
# XML's own namespaces, which no prefix of a document may take.
_RESERVED = frozenset({b"http://www.w3.org/XML/1998/namespace", b"http://www.w3.org/2000/xmlns/"})
_DECLARING = b"xmlns:"
_OWN_ENDS = frozenset({b"t", b"delText", b"p", b"tab", b"tc", b"br", b"cr"})


def root(data: bytes) -> tuple[int, int, int, bytes, bytes] | None:
    """The root's start tag, when the kernel can read what follows it: (where the tag ends,
    where its name starts and ends, and `_namespaces` of it)."""
    found = _ROOT.match(data)
    if found is None:
        return None
    namespaces = _namespaces(found.group(1), found.group(2))
    if namespaces is None:
        return None
    return found.end(), found.start(1), found.end(1), *namespaces


@functools.lru_cache(maxsize=64)
def _namespaces(element: bytes, attributes_text: bytes) -> tuple[bytes, bytes] | None:
    """The main namespace's prefix and every declared prefix, each between spaces, of a root
    start tag (its name, its attributes): None unless it declares the main namespace once,
    with a prefix, every other namespace once (no two prefixes for one: lxml refuses an
    attribute twice by its namespace), and uses only prefixes it declares. (The same few
    root tags start most documents: the checks took some 20 us a part.)"""
    if _FORBIDDEN.search(attributes_text):
        return None
    attributes = _ROOT_ATTRIBUTE.findall(attributes_text)
    names = [name for name, _ in attributes]
    if len(names) != len(set(names)):
        return None
    declared = {
        name[len(_DECLARING) :]: uri for name, uri in attributes if name.startswith(_DECLARING)
    }
    if len(declared) != len(set(declared.values())):
        return None
    namespaces = [
        uri for name, uri in attributes if name == b"xmlns" or name.startswith(_DECLARING)
    ]
    if not all(_PLAIN_URI.fullmatch(uri) and uri not in _RESERVED for uri in namespaces):
        return None
    if any(prefix.startswith(b"xml") for prefix in declared):
        return None
    mains = [prefix for prefix, uri in declared.items() if uri == W_NS]
    if len(mains) != 1 or dict(attributes).get(b"xmlns") == W_NS:
        return None
    prefix, colon, local = element.partition(b":")
    if colon and prefix not in declared:
        return None
    if prefix == mains[0] and local in _OWN_ENDS:
        return None  # its own end would count
    for name in names:
        prefix, colon, local = name.partition(b":")
        if prefix == b"xml" and local not in (b"space", b"lang"):
            return None
        if colon and prefix not in declared and prefix not in (b"xml", b"xmlns"):
            return None
    return mains[0], b" " + b" ".join(declared) + b" "


def read_part(data: bytes, limit: int) -> tuple[list[str], str] | None:
    """A whole Word part's text as ``part_segments`` cuts it: the segments that end at a
    paragraph, and the text after the last of them; None where the kernel gives up, or
    without numba."""
    kernel = compiled()
    if kernel is None:
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    head = root(data)
    if head is None:
        return None
    start, root_start, root_end, main, prefixes = head
    out = np.empty(len(data) + 1, dtype=np.uint8)
    # A cut follows ``limit`` characters, each a byte at least, and ends a paragraph, whose
    # tags take 6 bytes at least (``<w:p/>``).
    cuts = np.empty(len(data) // max(limit, 6) + 1, dtype=np.int64)
    stack = np.empty((3, MOST_DEPTH + MOST_ATTRIBUTES), dtype=np.int64)
    written, cut = kernel(
        data, start, root_start, root_end, _bytes(main), _bytes(prefixes), out, cuts, stack, limit
    )
    if written == NOT_UNDERSTOOD:
        return None
    ends = cuts[:cut].tolist()
    segments = [str(out[begin:end].data, "utf-8") for begin, end in pairwise([0, *ends])]
    rest = str(out[ends[-1] if ends else 0 : written].data, "utf-8")
    return segments, rest


# Announced under the spreadsheet readers' name: the workers warm the Office readers' kernels
# together (``sheetkernel.warm``), and a first start says it compiles once for all of them.
# Without reference counting, as they are (it allocates nothing).
compiled: Callable[[], Kernel | None] = LazyKernel(
    read, _HELPERS, name="spreadsheet", options={"_nrt": False}
)
