"""HTML to text with lxml: script and style dropped; hidden text, comments and the alt,
title, value and placeholder attributes kept, since hiding text does not stop it leaving."""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from dlp.extract.charset import bom_codec, decode
from dlp.extract.context import Context, Item
from dlp.extract.plaintext import text_segments
from dlp.extract.source import Source
from dlp.model import Location

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_DROPPED = frozenset({"script", "style", "noscript"})
_ATTRIBUTES = ("alt", "title", "value", "placeholder", "aria-label", "label", "summary")
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "ul",
        "ol",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "dt",
        "dd",
        "hr",
        "form",
        "title",
        "option",
        "address",
        "body",
    }
)
_CELLS = frozenset({"td", "th"})


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    yield from text_segments(html_text(source.read_all(), None), location, ctx)


def html_text(data: bytes | str, declared: str | None) -> str:
    """The text a reader could see or uncover in an HTML document."""
    if isinstance(data, bytes):
        if not bom_codec(data):
            meta = _META_CHARSET.search(data[:4096])
            declared = declared or (meta.group(1).decode("ascii") if meta else None)
        text = decode(data, declared)
    else:
        text = data
    text = _XML_DECLARATION.sub("", text.replace("\x00", ""))
    if not text.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return text
    pieces: list[str] = []
    _walk(root, pieces)
    return "".join(pieces)


def _walk(element: etree._Element, pieces: list[str]) -> None:
    tag = element.tag
    if not isinstance(tag, str):
        # Comments and processing instructions: hidden from view, not from the recipient.
        if isinstance(element, etree._Comment) and element.text and element.text.strip():
            pieces.append(f"\n{element.text}\n")
        return
    tag = tag.lower()
    if tag in _DROPPED:
        return
    for name in _ATTRIBUTES:
        value = element.get(name)
        if value and value.strip():
            pieces.append(f" {value} ")
    if tag == "meta":
        content = element.get("content")
        if content and element.get("name", "").lower() in ("description", "author", "keywords"):
            pieces.append(f"\n{content}\n")
    if tag in _BLOCKS:
        pieces.append("\n")
    if element.text:
        pieces.append(element.text)
    for child in element:
        _walk(child, pieces)
        if child.tail:
            pieces.append(child.tail)
    if tag in _BLOCKS:
        pieces.append("\n")
    elif tag in _CELLS:
        pieces.append("\t")
