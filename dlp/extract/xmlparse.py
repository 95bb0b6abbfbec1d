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
