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

Also found as SIS exports and class lists write names (issue 18's second held-out set): the
surname first ("Ruiz, Ana") at the start of a line or cell or after a label's colon; a given
name alone under a "First Name" column, joined with the surname beside it under "Last Name"
(one finding a student, so that ``distinct(PERSON)`` counts people). A name right before its
e-mail address ("Ana Ruiz <ana@...>") counts as a possessive does.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from dlp.detect.context import ContextRule, TextContext
from dlp.detect.matches import RawMatch, new_raw_match
from dlp.detect.normalize import normalize
from dlp.detect.text_columns import DELIMITERS, MIN_DELIMITERS, column_header
from dlp.detect.text_index import TextIndexer

PERSON = "PERSON"
# A student's record said of a name farther on in the same sentence ("Tyler Jordan failed
# the semester - final grade F", "Ana Ruiz, who moved here in May, has an IEP"): looked for
# up to RECORD_AFTER characters after the name, never past the sentence's end or the line's.
RECORD_WORDS = (
    "final grade",
    "semester grade",
    "failed",
    "failing",
    "report card",
    "transcript",
    "iep",
    "504 plan",
    "suspended",
    "suspension",
    "expelled",
    "detention",
    "referral",
    "absences",
    "reprobó",
    "calificación",
    "calificaciones",
    "boleta",
    "suspendido",
    "suspendida",
    "suspensión",
)
RECORD_AFTER = 96
RECOGNIZER = "NameListRecognizer"
BASE_SCORE = 0.3
POSSESSIVE_SCORE = 0.45
CONTEXT_WORDS: tuple[str, ...] = (
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
    "alumnos",
    "su hijo",
    "su hija",
    "familia de",
    # A student's record named right beside the name ("the IEP for Ana Ruiz", "la boleta de
    # calificaciones de Ana Ruiz", "Attendance notice: ...", "met with ... re: anxiety"): the
    # record term is the student signal the policy asks for, and it says the pair is a person.
    "iep",
    "504 plan",
    "plan 504",
    "report card",
    "transcript",
    "record for",
    "records for",
    "referral",
    "attendance",
    "absences",
    "suspended",
    "suspension",
    "counselor",
    "counseling",
    "met with",
    "boleta",
    "calificaciones",
    "expediente",
    "suspensión",
    "asistencia",
    "consejería",
    "aviso",
    # An identifier's label right after the name ("Craig Steele, SSN ...", "Ana Ruiz (stu id
    # ...)"): whose number it is.
    "ssn",
    "ss#",
    "social security",
    "seguro social",
    "student id",
    "stu id",
    "student number",
    "perm #",
    "perm id",
    "ssid",
    "id#",
    "número de estudiante",
    "matrícula",
    # An employee's record named beside the name ("Letter of reprimand - ...").
    "reprimand",
    "evaluation",
    "evaluación",
    "personnel file",
    "expediente del personal",
    # People named as people: a meeting's attendees, a contact, an employee.
    "attendees",
    "contact",
    "employee",
    "empleado",
    "empleada",
    "maestro",
    "maestra",
    *RECORD_WORDS,
)
CONTEXT_BEFORE = 32
# A record term a few words after the name: "Kevin Nguyen - behavior referral", "Ana Ruiz
# recibió una suspensión".
CONTEXT_AFTER = 24
# After a given name: an optional middle initial, then the surname (hyphenated or with an
# apostrophe: "Garcia-Lopez", "O'Neil"), Title Case or all capitals as the given name was.
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
_SURNAME_WORD = (
    rf"[{_UPPER}](?:'[{_UPPER}]|[{_LOWER}]{{1,2}}[{_UPPER}])?[{_LOWER}]+"
    rf"(?:-[{_UPPER}]?[{_LOWER}]+)?"
)
_SURNAME = re.compile(
    rf"[ \t]{{1,2}}(?:[{_UPPER}]\.?[ \t]{{1,2}})?"
    rf"({_SURNAME_WORD}|[{_UPPER}]{{2,}}(?:[-'][{_UPPER}]+)?)"
)
# A surname written in parts ("Mc Neil", "De La Cruz", "Van Der Berg"): the census writes it
# as one word ("MCNEIL", "DELACRUZ"). Tried where a particle follows the given name.
_PARTICLE = r"(?:Mc|Mac|De|Del|Della|Di|Da|Du|Le|La|Van|Von|St\.?)"
_PARTICLE_STARTS = tuple(
    f"{particle}{gap}"
    for particle in ("Mc", "Mac", "De", "Del", "Della", "Di", "Da", "Du", "Le", "La", "Van",
                     "Von", "St", "St.")
    for gap in " \t"
)  # fmt: skip
# The first letters of the particles: a surname that starts with none is no spaced one.
_PARTICLE_INITIALS = frozenset(start[0] for start in _PARTICLE_STARTS)
_SPACED_SURNAME = re.compile(
    rf"[ \t]{{1,2}}(?:[{_UPPER}]\.?[ \t]{{1,2}})?"
    rf"({_PARTICLE}[ \t](?:(?:La|Las|Los|Der|Den)[ \t])?{_SURNAME_WORD})"
)
# A title or a label, then an initial and a surname ("Mr. C. Dodson", "Student: J. Ramirez").
# These words ride on the index as given names do (``NameFinder.index_words``) so that their places
# are looked at; the initial alone is no given name to start from.
LEAD_WORDS = frozenset(
    ("mr", "mrs", "ms", "miss", "dr", "student", "name", "alumno", "alumna", "estudiante",
     "nombre", "sr", "sra", "srta")
)  # fmt: skip
_LEAD_INITIAL = re.compile(rf"\.?:?[ \t]{{1,2}}([{_UPPER}]\.[ \t]{{0,2}}({_SURNAME_WORD}))")
_POSSESSIVE = re.compile(r"['\u2019]s\b")
# "Ana Ruiz <ana.ruiz@...>": a name beside its address (a reply's "On ... wrote:" line).
_ADDRESS_AFTER = re.compile(r"[ \t]{0,2}<[^<>\s@]{1,64}@")
# What the possessive or the address after a name can start with.
_AFTER_MARKS = frozenset("'\u2019 \t<")
# "Ruiz, Ana": the surname first, as SIS exports and rosters write it, at the start of a line,
# a cell or after a label's colon.
# A given name that ends its cell: a class list's "First Name" column.
_CELL_END = re.compile(r" {1,2}(?:[\t|;,\r\n]|$)")
_CELL_EDGES = "\t|;,\r\n"
_CELL_PAD = " " + _CELL_EDGES
_GIVEN_HEADER = re.compile(r"\b(?:first|given|nombre)\b", re.IGNORECASE)
_SURNAME_HEADER = re.compile(r"\b(?:last|surname|family|apellidos?)\b", re.IGNORECASE)
_SURNAME_FIRST = re.compile(
    rf"(?:^|(?<=[\n\t|;:>(])[ \t]{{0,2}})([{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?),[ \t]$"
)


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
        # Its words are among the context rule's, so the shared index has them.
        self.record_rule = ContextRule(RECORD_WORDS, 0, RECORD_AFTER)
        # Titles and labels the index records as it records given names (``index_words``),
        # to be looked at for an initial after them; those that are no given name never start
        # a pair ("Student Ramirez").
        self._leads_only = LEAD_WORDS - lists.given
        self._record_ids: tuple[TextIndexer, frozenset[int]] | None = None

    @property
    def index_words(self) -> frozenset[str]:
        """The words whose places the shared index records for ``find``: the given names,
        and the titles and labels an initial and a surname can follow."""
        return self.lists.given | LEAD_WORDS

    def _is_surname(self, written: str) -> bool:
        """In the list as written, without accents or an apostrophe (the census writes
        "ONEIL"), or, for a double surname, each of its parts."""
        surnames = self.lists.surnames
        plain = written.lower() if written.isascii() else normalize(written).text
        if " " in plain or "\t" in plain:
            plain = "".join(plain.replace(".", "").split())  # "De La Cruz": "delacruz"
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
        score_of = self.context_rule.scorer(context)
        surnames, leads_only, is_surname = self.lists.surnames, self._leads_only, self._is_surname
        for start, end in given_places:
            if start > 2 and text[start - 2] == ",":
                reversed_pair = self._surname_first(text, start, end, context)
                if reversed_pair is not None:
                    found.append(reversed_pair)
                    continue
            # Most given names are followed by a space and a word: one character test each.
            after = text[end] if end < length else "\n"
            if (
                after in _CELL_EDGES
                or (
                    after == " "
                    and (end + 1 == length or text[end + 1] in _CELL_PAD)
                    and _CELL_END.match(text, end)
                )
            ) and (cells := self._name_cells(text, start, end, context)):
                found.extend(cells)
                continue
            # Most capitalized given names are followed by a lower-case word or punctuation:
            # look one character past the space before running the surname expression.
            if end + 2 >= length:
                continue
            next_char = after  # (``text[end]``: the text goes on past it)
            spaced = next_char.isspace()
            if (next_char in ".:" or (spaced and text[end + 2] == ".")) and text[
                start:end
            ].lower() in LEAD_WORDS:
                lead = self._after_lead(text, start, end, context, threshold)
                if lead is not None:
                    found.append(lead)
                continue
            if not spaced:
                continue
            after = text[end + 1]
            if not after.isupper() and not (after.isspace() and text[end + 2].isupper()):
                continue
            first = text[start:end]
            if not first[:1].isupper() or (
                len(first) > 1 and not first[1:].islower() and not first.isupper()
            ):
                continue
            following = (
                _SPACED_SURNAME.match(text, end)
                if after in _PARTICLE_INITIALS and text.startswith(_PARTICLE_STARTS, end + 1)
                else None
            )
            if following is None or not is_surname(following.group(1)):
                following = surname_at(text, end)
                if following is None:
                    continue
                surname = following.group(1)
                if surname.isupper() != first.isupper() and len(first) > 1:
                    continue  # "ANA Lopez" or "Ana LOPEZ": a heading or an acronym, not a name
                # (``_is_surname``'s first test, inline: most surnames are in the list as
                # written)
                if not (surname.isascii() and surname.lower() in surnames) and not is_surname(
                    surname
                ):
                    continue
            if first.lower() in leads_only:
                continue  # "Student Ramirez": a label, then a surname
            stop = following.end(1)
            # Only an apostrophe or what can come before a "<" can start either: one test for
            # most pairs instead of two expressions.
            base = (
                POSSESSIVE_SCORE
                if text[stop : stop + 1] in _AFTER_MARKS
                and (possessive_at(text, stop) or _ADDRESS_AFTER.match(text, stop))
                else BASE_SCORE
            )
            score, words = score_of(start, stop, base, 0.0)
            if score < threshold:
                if not self._record_word_after(context, stop):
                    continue
                score, words = self.record_rule.score(context, start, stop, base)
                if score < threshold:
                    continue
            found.append(
                new_raw_match(
                    PERSON, start, stop, score, RECOGNIZER, "given name and surname", words
                )
            )
        return found

    def _record_word_after(self, context: TextContext, stop: int) -> bool:
        """Whether a record word starts within RECORD_AFTER characters after ``stop``: most
        pairs have none, and a look at the index costs less than the rule's whole score."""
        indexer = context.indexer
        cached = self._record_ids
        if cached is None or cached[0] is not indexer:
            cached = self._record_ids = (indexer, indexer.phrase_ids(RECORD_WORDS))
        wanted = cached[1]
        index = context.index
        starts, phrases = index.starts, index.phrases
        position, limit, count = bisect_left(starts, stop), stop + RECORD_AFTER, len(starts)
        while position < count and starts[position] < limit:
            if phrases[position] in wanted:
                return True
            position += 1
        return False

    def _after_lead(
        self, text: str, start: int, end: int, context: TextContext, threshold: float
    ) -> RawMatch | None:
        """ "J. Ramirez" after the title or label at ``start:end``, or None."""
        if not text[start].isupper():
            return None
        following = _LEAD_INITIAL.match(text, end)
        if following is None or not self._is_surname(following.group(2)):
            return None
        begin, stop = following.start(1), following.end(1)
        # The title or label itself is a context word: scored from the lead on.
        score, words = self.context_rule.score(context, begin, stop, BASE_SCORE)
        if score < threshold:
            return None
        return RawMatch(PERSON, begin, stop, score, RECOGNIZER, "initial and surname", words)

    def _surname_first(
        self, text: str, start: int, end: int, context: TextContext
    ) -> RawMatch | None:
        """ "Ruiz, Ana" (the given name at ``start:end``), or None."""
        first = text[start:end]
        if not first[:1].isupper() or not first[1:].islower():
            return None
        before = _SURNAME_FIRST.search(text, max(0, start - 48), start)
        if before is None or not self._is_surname(before.group(1)):
            return None
        begin = before.start(1)
        score, words = self.context_rule.score(context, begin, end, BASE_SCORE)
        return RawMatch(
            entity_type=PERSON,
            start=begin,
            end=end,
            score=score,
            recognizer=RECOGNIZER,
            pattern="surname, given name",
            context_words=words,
        )

    def _name_cells(self, text: str, start: int, end: int, context: TextContext) -> list[RawMatch]:
        """A given name alone in a cell under a "First Name" header (a class list pasted from
        a spreadsheet), with the surname of the cell beside it under a "Last Name" header: one
        person, one finding (``distinct(PERSON)`` counts people)."""
        first = text[start:end]
        if not first[1:].islower():
            return []
        header = column_header(text, start, end)
        if header is None or not _GIVEN_HEADER.search(header):
            return []
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : len(text) if line_end < 0 else line_end]
        delimiter = next((d for d in DELIMITERS if line.count(d) >= MIN_DELIMITERS[d]), None)
        low, high = start, end
        if delimiter is not None:
            for cell_start, cell_end in self._neighbour_cells(text, start, end, delimiter):
                word = text[cell_start:cell_end]
                if not word[:1].isupper() or not self._is_surname(word):
                    continue
                above = column_header(text, cell_start, cell_end)
                if above is not None and _SURNAME_HEADER.search(above):
                    low, high = min(low, cell_start), max(high, cell_end)
                    break
        score, words = self.context_rule.score(context, start, end, BASE_SCORE)
        return [
            RawMatch(
                entity_type=PERSON,
                start=low,
                end=high,
                score=score,
                recognizer=RECOGNIZER,
                pattern="names in name columns",
                context_words=words,
            )
        ]

    @staticmethod
    def _neighbour_cells(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]]:
        """The spans of the values of the cells just before and just after ``start:end``."""
        spans = []
        before = text.rfind(delimiter, 0, start)
        if before > 0:
            left = max(text.rfind(delimiter, 0, before), text.rfind("\n", 0, before)) + 1
            cell = text[left:before]
            word = cell.strip(" \"'\r")
            if word:
                spans.append((left + cell.find(word), left + cell.find(word) + len(word)))
        after = text.find(delimiter, end)
        newline = text.find("\n", end)
        if after >= 0 and (newline < 0 or after < newline):
            stops = [
                i for i in (text.find(delimiter, after + 1), text.find("\n", after + 1)) if i >= 0
            ]
            right = min(stops) if stops else len(text)
            cell = text[after + 1 : right]
            word = cell.strip(" \"'\r")
            if word:
                first = after + 1 + cell.find(word)
                spans.append((first, first + len(word)))
        return spans
