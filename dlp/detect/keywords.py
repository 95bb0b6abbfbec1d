"""Keyword dictionaries: terms by category, matched as whole words (see ``text_index``).

A dictionary is a text file in ``recognizers/keywords/`` named after its category, one term per
line with an optional ``| weight``; a finding's score is 0.5 x weight, at most 1.0. Its header
declares the category (``dlp.detect.categories``); a file of the same name in an overlay folder
adds its terms to the shipped file's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

from dlp.detect.categories import dictionary_category, dictionary_files
from dlp.detect.matches import RawMatch
from dlp.detect.normalize import normalize
from dlp.detect.text_index import KEYWORD_RECOGNIZER, Term, TextIndexer, term_problem

__all__ = ["KeywordRecognizer", "Term", "load_dictionaries"]


class DictionaryError(ValueError):
    """A keyword file that cannot be used, with the file and line in the message."""


def normalize_term(term: str) -> str:
    return " ".join(normalize(term).text.split())


def parse_dictionary(path: Path, category: str) -> list[Term]:
    terms: list[Term] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        content = "" if line.lstrip().startswith("#") else line.strip()
        if not content:
            continue
        text, _, weight_text = content.partition("|")
        term = normalize_term(text)
        weight = 1.0
        if weight_text.strip():
            try:
                weight = float(weight_text)
            except ValueError:
                raise DictionaryError(
                    f"{path}:{number}: weight {weight_text.strip()!r} is not a number"
                ) from None
            if not 0 < weight <= 10:
                raise DictionaryError(f"{path}:{number}: weight must be in (0, 10], got {weight}")
        problem = term_problem(text)
        if problem:
            raise DictionaryError(f"{path}:{number}: {text.strip()!r}: {problem}")
        terms.append(Term(category, term, weight))
    return terms


def load_dictionaries(folders: Sequence[Path]) -> list[Term]:
    """Every ``keywords/*.txt`` of the recognizer folders (shipped, then overlay); the file name
    (upper-cased) is the category."""
    return [
        term
        for paths in dictionary_files(folders).values()
        for path in paths
        for term in parse_dictionary(path, dictionary_category(path))
    ]


def merge_extra_terms(extra: Mapping[str, Iterable[tuple[str, float]]]) -> list[Term]:
    """Terms a district adds in its configuration: {category: [(term, weight), ...]}."""
    for items in extra.values():
        for text, _ in items:
            problem = term_problem(text)
            if problem:
                raise DictionaryError(f"added term {text!r}: {problem}")
    return [
        Term(category.upper(), normalize_term(text), weight)
        for category, items in extra.items()
        for text, weight in items
    ]


class KeywordRecognizer:
    """Finds dictionary terms; the entity type of a finding is the term's category. As a
    Presidio recognizer: ``dlp.detect.presidio_adapters``."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self.supported_entities = sorted({term.category for term in self.terms})
        self.name = KEYWORD_RECOGNIZER

    @cached_property
    def _indexer(self) -> TextIndexer:
        # For `find` on its own (Presidio's analyze()): the scanner indexes the terms together
        # with the context words, so its keyword recognizer never builds this one.
        return TextIndexer(self.terms, ())

    def find(self, text: str) -> list[RawMatch]:
        return self._indexer.index(text)[0]
