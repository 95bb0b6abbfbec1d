"""Generic XML (data exports such as Ed-Fi): one segment per element text or attribute
value, with the element or attribute name as context and column, and the line as row.

Malformed XML is parsed in libxml2's recovery mode; what it cannot parse at all is read as
plain text, so nothing goes unscanned.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from dlp.extract import plaintext
from dlp.extract.context import Context, Item
from dlp.extract.source import Source
from dlp.extract.xmlparse import iterparse, local
from dlp.model import Location, Segment


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    produced = False
    try:
        with source.open() as stream:
            for segment in _elements(stream, location, ctx):
                produced = True
                yield segment
    except etree.XMLSyntaxError:
        if produced:
            raise
        yield from plaintext.extract(source, location, ctx)
        return
    if not produced:
        # Not XML after all (a text file that starts with "<"), or XML with no text.
        yield from plaintext.extract(source, location, ctx)


def _elements(stream: object, location: Location, ctx: Context) -> Iterator[Segment]:
    count = 0
    for _, element in iterparse(stream, events=("end",), recover=True):  # type: ignore[arg-type]
        tag = element.tag
        if not isinstance(tag, str):
            continue
        name = local(tag)
        line = element.sourceline
        for attribute, value in element.attrib.items():
            if value.strip():
                attribute_name = local(attribute)
                yield Segment(
                    value, location.with_detail(row=line, column=attribute_name), attribute_name
                )
        if element.text and element.text.strip():
            yield Segment(element.text.strip(), location.with_detail(row=line, column=name), name)
        # A tail (text after an element, inside its parent) is only complete once the parser
        # has moved past it: read it just before the element it trails is freed.
        for child in list(element):
            yield from _tail(child, name, line, location)
            element.remove(child)
        parent = element.getparent()
        if parent is not None:
            parent_name = local(parent.tag)
            while element.getprevious() is not None:
                yield from _tail(parent[0], parent_name, line, location)
                del parent[0]
        count += 1
        if count % 10_000 == 0:
            ctx.check_time()


def _tail(
    element: etree._Element, name: str, line: int | None, location: Location
) -> Iterator[Segment]:
    if element.tail and element.tail.strip():
        yield Segment(element.tail.strip(), location.with_detail(row=line, column=name), name)
