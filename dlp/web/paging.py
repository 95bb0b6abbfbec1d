"""Page numbers from query strings, and one page of a long list.

A page number is a whole number from 0 up; past `MAX_PAGE` it is clamped there. Without the
clamp, ``?page=99999999999999999999`` became an offset no database integer holds and the page
was a 500. Anything that is not a whole number is the caller's 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Far past any real queue (a million pages of 200), far below a 64-bit offset.
MAX_PAGE = 1_000_000
_WHOLE = re.compile(r"-?[0-9]+")


def page_number(query: Mapping[str, str], name: str) -> int:
    """The page ``query[name]`` asks for, 0 when absent; ValueError when not a whole number."""
    text = query.get(name, "").strip()
    if not text:
        return 0
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{name} must be a whole number, not {text[:20]!r}")
    if text.startswith("-"):
        return 0
    # Long digit strings are not parsed at all (int() of 5,000 digits is itself refused).
    return MAX_PAGE if len(text) > len(str(MAX_PAGE)) else min(int(text), MAX_PAGE)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items ``start`` to ``start + len(items)`` of ``total``, on page ``number``."""

    items: Sequence[T]
    number: int
    start: int
    total: int
    size: int

    @property
    def last(self) -> int:
        return max(0, (self.total - 1) // self.size)

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number < self.last


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page ``number`` of ``items`` (the last page when ``number`` is past it)."""
    last = max(0, (len(items) - 1) // size)
    number = min(max(0, number), last)
    start = number * size
    return Page(items[start : start + size], number, start, len(items), size)
