"""Keyword dictionaries matched with Aho-Corasick: whole words, case-insensitive, normalized.

A dictionary is a text file in ``recognizers/keywords/`` named after its category, one term per
line with an optional ``| weight``. Multi-word terms match across any run of white space or line
breaks: the automaton holds each term's first word, and the rest is checked with a small regex
only where that first word occurs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from dlp.detect.matches import RawMatch
from dlp.detect.normalize import normalize

KEYWORD_BASE_SCORE = 0.5
RECOGNIZER_NAME = "KeywordRecognizer"


class DictionaryError(ValueError):
    """A keyword file that cannot be used, with the file and line in the message."""


@dataclass(frozen=True, slots=True)
class Term:
    category: str
    text: str  # normalized: lower case, single spaces
    weight: float

    @property
    def score(self) -> float:
        return min(1.0, KEYWORD_BASE_SCORE * self.weight)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What to check when a term's first word is found."""

    term: Term
    rest: re.Pattern[str] | None  # the remaining words, matched right after the first one


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
        if not term:
            raise DictionaryError(f"{path}:{number}: empty term")
        terms.append(Term(category, term, weight))
    return terms


def load_dictionaries(folder: Path) -> list[Term]:
    """Every ``*.txt`` file in ``folder``; the file name (upper-cased) is the category."""
    terms: list[Term] = []
    for path in sorted(folder.glob("*.txt")):
        terms.extend(parse_dictionary(path, path.stem.upper()))
    return terms


def _rest_pattern(words: list[str]) -> re.Pattern[str]:
    body = "".join(r"\s+" + re.escape(word) for word in words)
    return re.compile(body + r"(?!\w)")


class KeywordRecognizer(EntityRecognizer):
    """Finds dictionary terms; the entity type of a finding is the term's category."""

    def __init__(self, terms: Iterable[Term]) -> None:
        terms = list(terms)
        categories = sorted({term.category for term in terms})
        super().__init__(
            supported_entities=categories, name=RECOGNIZER_NAME, supported_language="en"
        )
        by_head: dict[str, list[_Entry]] = {}
        seen: set[tuple[str, str]] = set()
        for term in terms:
            if (term.category, term.text) in seen:
                continue
            seen.add((term.category, term.text))
            head, *rest = term.text.split(" ")
            by_head.setdefault(head, []).append(
                _Entry(term, _rest_pattern(rest) if rest else None)
            )
        self._automaton = ahocorasick.Automaton()
        for head, entries in by_head.items():
            self._automaton.add_word(head, (len(head), tuple(entries)))
        if by_head:
            self._automaton.make_automaton()
        self._empty = not by_head
        self.terms: tuple[Term, ...] = tuple(terms)

    def load(self) -> None:
        """Presidio hook; everything is built in the constructor."""

    def find(self, text: str) -> list[RawMatch]:
        if self._empty:
            return []
        normalized = normalize(text)
        lowered = normalized.text
        found: list[RawMatch] = []
        for last, (length, entries) in self._automaton.iter(lowered):
            start = last - length + 1
            end = last + 1
            if start > 0 and lowered[start - 1].isalnum():
                continue
            head_ends_word = end >= len(lowered) or not lowered[end].isalnum()
            for entry in entries:
                if entry.rest is None:
                    if not head_ends_word:
                        continue
                    term_end = end
                else:
                    rest = entry.rest.match(lowered, end)
                    if rest is None:
                        continue
                    term_end = rest.end()
                found.append(
                    RawMatch(
                        entity_type=entry.term.category,
                        start=normalized.to_original(start),
                        end=normalized.to_original_end(term_end),
                        score=entry.term.score,
                        recognizer=RECOGNIZER_NAME,
                        pattern=entry.term.text,
                    )
                )
        return found

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
    ) -> list[RecognizerResult]:
        wanted = set(entities) if entities else None
        return [
            to_recognizer_result(match, self.id)
            for match in self.find(text)
            if wanted is None or match.entity_type in wanted
        ]


def to_recognizer_result(match: RawMatch, recognizer_id: str) -> RecognizerResult:
    return RecognizerResult(
        entity_type=match.entity_type,
        start=match.start,
        end=match.end,
        score=match.score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: match.recognizer,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer_id,
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
            "pattern_name": match.pattern,
            "context_words": match.context_words,
        },
    )


def merge_extra_terms(extra: Mapping[str, Iterable[tuple[str, float]]]) -> list[Term]:
    """Terms a district adds in its configuration: {category: [(term, weight), ...]}."""
    return [
        Term(category.upper(), normalize_term(text), weight)
        for category, items in extra.items()
        for text, weight in items
    ]
