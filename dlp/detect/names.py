"""PERSON without a statistical model: a given name and a surname from public-domain lists.

A district loads its roster eventually, but not on day one and never for every former student;
without a name, "Daniel Kim's Section 504 plan: diagnosis ADHD" names no one. This recognizer
finds a capitalized given name (``recognizers/names/first_names.txt``, the census and New York
City lists) followed, after an optional middle initial, by a capitalized surname
(``surnames.txt``, the 2010 census). The given names ride on the scanner's one Aho-Corasick
pass (``TextIndexer`` records where they occur); only those places are looked at here.

A pair alone scores under the threshold: capitalized pairs of names are everywhere in ordinary
mail (signatures, "Dear Ann Lee"). It counts with a possessive ("Daniel Kim's"), or with a
context word near it ("student", "Dear", "Mrs.", "son", a column headed "Name"...). It reports
a fact; whether a name makes a student identifiable is the policy's to say (the sample policy:
only beside a student signal such as an IEP term, a grade or a student ID).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dlp.detect.context import ContextRule, TextContext
from dlp.detect.matches import RawMatch
from dlp.detect.normalize import normalize

PERSON = "PERSON"
RECOGNIZER = "NameListRecognizer"
BASE_SCORE = 0.3
POSSESSIVE_SCORE = 0.45
CONTEXT_WORDS = (
    "student",
    "students",
    "student name",
    "name",
    "names",
    "dear",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "son",
    "daughter",
    "child",
    "children",
    "kid",
    "grandson",
    "granddaughter",
    "pupil",
    "parent of",
    "guardian of",
    "mother of",
    "father of",
    # Spanish
    "estudiante",
    "alumno",
    "alumna",
    "hijo",
    "hija",
    "estimado",
    "estimada",
    "sr",
    "sra",
    "srta",
    "nombre",
)
CONTEXT_BEFORE = 32
CONTEXT_AFTER = 16
# After a given name: an optional middle initial, then the surname (hyphenated or with an
# apostrophe: "Garcia-Lopez", "O'Neil"), Title Case or all capitals as the given name was.
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
_SURNAME = re.compile(
    rf"[ \t]{{1,2}}(?:[{_UPPER}]\.?[ \t]{{1,2}})?"
    rf"([{_UPPER}](?:'[{_UPPER}]|[{_LOWER}]{{1,2}}[{_UPPER}])?[{_LOWER}]+(?:-[{_UPPER}]?[{_LOWER}]+)?"
    rf"|[{_UPPER}]{{2,}}(?:[-'][{_UPPER}]+)?)"
)
_POSSESSIVE = re.compile(r"['\u2019]s\b")


def read_names(path: Path) -> frozenset[str]:
    """One lower-case name a line; ``#`` starts a comment line."""
    return frozenset(
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@dataclass(frozen=True)
class NameLists:
    given: frozenset[str]
    surnames: frozenset[str]

    @classmethod
    def load(cls, folder: Path, overlay: Path | None = None) -> NameLists:
        """The lists in ``folder``, with the names of the same files in ``overlay`` added."""

        def names(file: str) -> frozenset[str]:
            added = overlay / file if overlay is not None else None
            extra = read_names(added) if added is not None and added.is_file() else frozenset()
            return read_names(folder / file) | extra

        return cls(names("first_names.txt"), names("surnames.txt"))


class NameFinder:
    """Turns the places of given names (from the shared index) into PERSON matches."""

    def __init__(self, lists: NameLists) -> None:
        self.lists = lists
        self.context_rule = ContextRule(CONTEXT_WORDS, CONTEXT_BEFORE, CONTEXT_AFTER)

    def _is_surname(self, written: str) -> bool:
        """In the list as written, without accents or an apostrophe (the census writes
        "ONEIL"), or, for a double surname, each of its parts."""
        surnames = self.lists.surnames
        plain = written.lower() if written.isascii() else normalize(written).text
        if plain in surnames or plain.replace("'", "") in surnames:
            return True
        parts = [part for part in plain.split("-") if len(part) > 1]
        return len(parts) > 1 and all(part in surnames for part in parts)

    def find(
        self,
        text: str,
        given_places: list[tuple[int, int]],
        context: TextContext,
        threshold: float = 0.0,
    ) -> list[RawMatch]:
        """PERSON matches at the given names' places; ``threshold``: only those scoring at
        least that (most pairs have no context word and would only be dropped later)."""
        found: list[RawMatch] = []
        length = len(text)
        surname_at, possessive_at = _SURNAME.match, _POSSESSIVE.match
        score_of = self.context_rule.score
        for start, end in given_places:
            # Most capitalized given names are followed by a lower-case word or punctuation:
            # look one character past the space before running the surname expression.
            if end + 2 >= length or not text[end].isspace():
                continue
            after = text[end + 1]
            if not after.isupper() and not (after.isspace() and text[end + 2].isupper()):
                continue
            first = text[start:end]
            if not first[:1].isupper() or (
                len(first) > 1 and not first[1:].islower() and not first.isupper()
            ):
                continue
            following = surname_at(text, end)
            if following is None:
                continue
            surname = following.group(1)
            if surname.isupper() != first.isupper() and len(first) > 1:
                continue  # "ANA Lopez" or "Ana LOPEZ": a heading or an acronym, not a name
            if not self._is_surname(surname):
                continue
            stop = following.end(1)
            base = POSSESSIVE_SCORE if possessive_at(text, stop) else BASE_SCORE
            score, words = score_of(context, start, stop, base)
            if score < threshold:
                continue
            found.append(
                RawMatch(PERSON, start, stop, score, RECOGNIZER, "given name and surname", words)
            )
        return found
