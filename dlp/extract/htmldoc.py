"""HTML to text with lxml: script and style dropped; the rendered text read as a reader sees it,
and hidden text, comments and the alt, title, value and placeholder attributes read beside it,
since hiding text does not stop it leaving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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


_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|mso-hide\s*:\s*all"
    r"|(?:font-size|max-height|max-width|opacity)\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|!|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What a reader sees, and what is in the document without being shown.

    ``visible`` is the rendered text: hidden elements and comments leave no trace in it, so a
    value split by ``<!-- -->`` or by a hidden ``<span>`` reads as one. ``hidden`` is the rest
    (the text with hidden elements in place, comments, alt/title/value attributes, meta
    descriptions): hiding text does not stop it leaving the district, so it is scanned too.
    """

    visible: str
    hidden: str

    @property
    def whole(self) -> str:
        return f"{self.visible}\n{self.hidden}" if self.hidden.strip() else self.visible


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    yield from html_segments(html_texts(source.read_all(), None), location, ctx)


def html_segments(text: HtmlText, location: Location, ctx: Context) -> Iterator[Item]:
    """Segments of the visible text at ``location`` and of the hidden text beside it."""
    yield from text_segments(text.visible, location, ctx)
    if text.hidden.strip():
        label = f"{location.part} (hidden)" if location.part else "hidden text"
        yield from text_segments(text.hidden, location.with_detail(part=label), ctx)


def html_texts(data: bytes | str, declared: str | None) -> HtmlText:
    """The visible and the hidden text of an HTML document."""
    if isinstance(data, bytes):
        if not bom_codec(data):
            meta = _META_CHARSET.search(data[:4096])
            declared = declared or (meta.group(1).decode("ascii") if meta else None)
        text = decode(data, declared)
    else:
        text = data
    text = _XML_DECLARATION.sub("", text.replace("\x00", ""))
    if not text.strip():
        return HtmlText("", "")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return HtmlText(text, "")
    reading = _Reading()
    reading.walk(root, shown=True)
    return reading.result()


def _is_hidden(element: etree._Element) -> bool:
    if element.get("hidden") is not None:
        return True
    if element.tag == "input" and (element.get("type") or "").lower() == "hidden":
        return True
    style = element.get("style")
    return bool(style) and _HIDING_STYLE.search(style) is not None


class _Reading:
    """One walk over the tree that lays out two texts at once: the rendered one (hidden
    elements left out) and the whole one (hidden elements in place), plus the text kept
    outside the flow (comments, attributes, meta descriptions).

    The whole text is what a recipient who reads the source gets: a value split between a
    shown and a hidden element (``536-22-<span hidden>1234</span>``) is whole only there. It is
    kept only when something was hidden; otherwise it equals the rendered text.
    """

    def __init__(self) -> None:
        self.visible: list[str] = []
        self.whole: list[str] = []
        self.aside: list[str] = []
        self.hid_something = False

    def result(self) -> HtmlText:
        hidden = "".join(self.aside)
        if self.hid_something:
            hidden = "".join(self.whole) + "\n" + hidden
        return HtmlText("".join(self.visible), hidden)

    def add(self, text: str, shown: bool) -> None:
        if shown:
            self.visible.append(text)
        self.whole.append(text)

    def walk(self, element: etree._Element, shown: bool) -> None:
        tag = element.tag
        if not isinstance(tag, str):
            # Comments and processing instructions: hidden from view, not from the recipient.
            if isinstance(element, etree._Comment) and element.text and element.text.strip():
                self.aside.append(f"\n{element.text}\n")
            return
        tag = tag.lower()
        if tag in _DROPPED:
            return
        for name in _ATTRIBUTES:
            value = element.get(name)
            if value and value.strip():
                self.aside.append(f"\n{value}\n")
        if tag == "meta":
            content = element.get("content")
            if content and element.get("name", "").lower() in ("description", "author", "keywords"):
                self.aside.append(f"\n{content}\n")
        if shown and _is_hidden(element):
            shown = False
            self.hid_something = True
        if tag in _BLOCKS:
            self.add("\n", shown)
        if element.text:
            self.add(element.text, shown)
        for child in element:
            self.walk(child, shown)
            if child.tail:
                self.add(child.tail, shown)
        if tag in _BLOCKS:
            self.add("\n", shown)
        elif tag in _CELLS:
            self.add("\t", shown)
