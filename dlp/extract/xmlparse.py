"""Streaming XML parsing that is safe on hostile input: no entities, no DTDs, no network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from dlp.extract.source import Readable


def iterparse(
    stream: Readable,
    tags: Iterable[str] | None = None,
    events: tuple[str, ...] = ("end",),
    recover: bool = False,
) -> Iterator[tuple[str, Any]]:
    """(event, element) pairs; with ``tags``, libxml2 filters them before Python sees any."""
    return iter(
        etree.iterparse(
            stream,
            events=events,
            tag=list(tags) if tags is not None else None,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            recover=recover,
        )
    )


def small_tree_elements(data: bytes, tag: str) -> list[Any] | None:
    """The elements named ``tag`` of a whole small part, in the order ``iterparse`` gives
    them; None where its outcome could differ (the part does not parse, or holds one such
    element inside another, which ``iterparse`` gives inner first): then the caller reads
    it with ``iterparse``. A workbook's few relationships and sheets are read in a fifth of
    the time: ``iterparse`` costs some 30 microseconds to start, per part of every file."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.LxmlError:
        return None
    found = list(root.iter(tag))
    if any(len(element) for element in found):
        return None
    return found


def release(element: Any) -> None:
    """Free an element that has been read, and the siblings read before it: bounded memory."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def local(tag: object) -> str:
    """``{namespace}name`` -> ``name``."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]
