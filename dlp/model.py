"""The data that flows through the pipeline: located text in, findings and unscannable items out.

Everything here is frozen: a value made by one stage can be handed to the next (or to another
process) without anyone changing it underneath.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from json.encoder import encode_basestring
from math import isfinite
from operator import itemgetter
from typing import ClassVar

from dlp.frozen import quick_init, quick_new


class Category(str):
    """What kind of protected information a finding is, in the regulation's terms: its name.

    The set of categories is data, not code: each keyword dictionary in ``recognizers/keywords/``
    declares its own, ``recognizers/categories.toml`` the rest, and a district's overlay folder
    adds more (``dlp.detect.categories`` reads them, with what each means: label, kind,
    regulation clauses). The constants below are the ones code refers to by name. One object
    per name (``Category("GRADES") is Category.GRADES``), so a category compares, hashes and
    crosses a process boundary as the plain string it is.
    """

    __slots__ = ()
    _interned: ClassVar[dict[str, Category]] = {}

    IDENTIFIER: ClassVar[Category]  # SSN, student and staff IDs (FERPA non-directory)
    CONTACT: ClassVar[Category]  # phone, e-mail, street address, a name: directory information
    PERSONAL: ClassVar[Category]  # date of birth
    FINANCIAL: ClassVar[Category]  # card and bank numbers
    CREDENTIAL: ClassVar[Category]  # passwords with their context
    SPECIAL_EDUCATION: ClassVar[Category]  # IEP, 504, accommodations (L.3.a)
    GRADES: ClassVar[Category]  # transcripts, report cards, grades (L.3.a, FERPA)
    DISCIPLINE: ClassVar[Category]  # suspension, expulsion, Ed Code 48900 (L.3.a)
    HEALTH: ClassVar[Category]  # diagnosis, medication, immunization
    PERSONNEL: ClassVar[Category]  # evaluations, reprimands, coaching memos (L.3.b)
    DEMOGRAPHIC: ClassVar[Category]  # race/ethnicity, lunch status, EL, foster
    ROSTER: ClassVar[Category]  # a real student or staff member, matched by roster

    def __new__(cls, name: str) -> Category:
        interned = cls._interned.get(name)
        if interned is None:
            interned = cls._interned[name] = super().__new__(cls, name)
        return interned

    @property
    def value(self) -> str:
        """The name, as an enum member would give it (callers write ``category.value``)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Category({str.__str__(self)!r})"


for _name in (
    "IDENTIFIER", "CONTACT", "PERSONAL", "FINANCIAL", "CREDENTIAL", "SPECIAL_EDUCATION",
    "GRADES", "DISCIPLINE", "HEALTH", "PERSONNEL", "DEMOGRAPHIC", "ROSTER",
):  # fmt: skip
    setattr(Category, _name, Category(_name))


class UnscannableReason(StrEnum):
    """Why some content could not be turned into text. Policy decides what that means."""

    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    TOO_LARGE = "too large"
    BOMB = "bomb"
    TIMEOUT = "timeout"
    UNSUPPORTED = "unsupported"
    IMAGE_CONTENT = "image content"
    OCR_LIMIT = "ocr limit"  # images or scanned pages past the message's OCR budget


# Parts of a location that hold a name as content: an attachment's or member's own name, and
# the Subject an attached message is named after (`dlp.identifiers` masks names by them).
FILE_NAME_PART = "file name"
SUBJECT_PART = "Subject"


@quick_init  # made once per finding
@dataclass(frozen=True, slots=True)
class TextAt:
    """Where a character sits in a text file as read: ``line`` and ``column`` from 1, and
    ``offset``, the characters before it from the start of the file (a line end counted as
    one, whichever it was). What a person needs to find a finding in an editor."""

    line: int = 1
    column: int = 1
    offset: int = 0

    def advance(self, text: str, start: int, stop: int) -> TextAt:
        """The position of ``text[stop]``, when ``text[start]`` is at this one."""
        newlines = text.count("\n", start, stop)
        if not newlines:
            return _new_text_at(self.line, self.column + stop - start, self.offset + stop - start)
        line_start = text.rfind("\n", start, stop) + 1
        return _new_text_at(self.line + newlines, 1 + stop - line_start, self.offset + stop - start)


# ``TextAt(...)`` and ``Finding(...)`` for the places that make one per finding
# (``dlp.frozen.quick_new``).
_new_text_at = new_text_at = quick_new(TextAt)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a piece of text came from, from the outermost container inwards.

    ``path`` holds the containers: a file, an archive member, a mail attachment, a nested
    message. The optional fields say where inside the innermost one.
    """

    path: tuple[str, ...] = ()
    part: str | None = None  # a mail header or MIME body part, e.g. "Subject", "body"
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    # In a text file, where this text's first character is; not part of the written form
    # (``row`` says which block of lines), only of the findings made in it.
    text_at: TextAt | None = None

    def child(self, name: str) -> Location:
        """The location of something contained in this one (an archive member, an attachment)."""
        return Location(path=(*self.path, name))

    def with_detail(self, **details: str | int | TextAt | None) -> Location:
        """This location with page/sheet/row/column/cell/part/text_at filled in."""
        fields = {
            "part": self.part,
            "page": self.page,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "text_at": self.text_at,
        }
        fields.update(details)
        return Location(path=self.path, **fields)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self._shown(str)

    def masked(self, mask: Callable[[str], str] | None = None) -> str:
        """``str(self)`` fit to be written down: digit runs and e-mail addresses in names masked.

        File, sheet and part names can carry the very value that is protected
        ("536-22-1234.pdf"), and a table without a header row makes its first row the column
        names ("column 536-22-1234"). Every report, log, audit record and notice uses this.

        ``mask``: ``mask_name`` as the caller keeps it (one that masks many locations of one
        file remembers each name's, which its findings share).
        """
        # Written with the names masked, rather than by making that location and asking its
        # ``str`` (a file's previews each ask: a new ``Location`` was most of it).
        return self._shown(mask_name if mask is None else mask)

    def _shown(self, name: Callable[[str], str]) -> str:
        """The location as people read it, each name (path, part, sheet, column) given by
        ``name``: ``str`` for the names as they are."""
        pieces = list(map(name, self.path))
        if self.part is not None:
            part = name(self.part)
            if part:
                pieces.append(part)
        if self.page is not None:
            pieces.append(f"page {self.page}")
        if self.sheet is not None:
            pieces.append(f"sheet {name(self.sheet)}")
        if self.cell is not None:
            pieces.append(self.cell)
        else:
            if self.row is not None:
                pieces.append(f"row {self.row}")
            if self.column is not None:
                pieces.append(f"column {name(self.column)}")
        return " / ".join(pieces) if pieces else "-"


# Runs of four digits or more, with the separators numbers are written with.
_DIGIT_RUN = re.compile(r"\d(?:[\d\s./()-]{2,}\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_name(text: str) -> str:
    """A name with the values it may carry masked: long digit runs to ``#``, e-mail addresses."""

    def hide(match: re.Match[str]) -> str:
        if sum(char.isdigit() for char in match.group()) < 4:
            return match.group()
        return re.sub(r"\d", "#", match.group())

    return _DIGIT_RUN.sub(hide, _EMAIL.sub("[e-mail]", text))


def names_other_columns(header_row: str, header: str) -> bool:
    """Whether a cell under ``header`` needs its table's ``header_row`` to be read alone:
    the row has a column header other than the cell's own (a plain segment has its own only,
    and "ID" counts as a label only beside a student-record column)."""
    return bool(header) and any(other and other != header for other in header_row.split("\t"))


@dataclass(frozen=True, slots=True)
class CellTable:
    """The regions of a packed segment's text, each from its own place (spreadsheet cells).

    Built cheaply as parallel sequences (a large sheet has hundreds of thousands of cells);
    a region's ``Location`` is made only when a finding needs it. ``locations``, when given,
    holds each region's location outright; otherwise it is ``base`` plus ``rows[i]`` (0: none),
    ``refs[i]`` (a cell reference such as "B14"; "": none) and ``headers[i]`` as the column.
    ``headers[i]`` is also the region's context: its column header.
    """

    base: Location
    starts: Sequence[int]
    ends: Sequence[int]
    headers: Sequence[str] = ()
    rows: Sequence[int] = ()
    refs: Sequence[str] = ()
    locations: Sequence[Location] = ()
    # The longest region's length when whoever built the table knew it (-1: not known):
    # ``pack`` asks it of every table, and a block of 40,000 cells need not be measured again.
    longest: int = field(default=-1, compare=False)
    # The header row of each cell's own table, as (first cell, the table's distinct column
    # headers apart by tabs), in order: a table cut into blocks is still one kind of table
    # whichever block a cell lands in. Empty: the table is these cells (``table_header_row``),
    # and so is a block's header row worked out from its own cells where it is read.
    header_rows: Sequence[tuple[int, str]] = field(default=(), compare=False)

    def __len__(self) -> int:
        return len(self.starts)

    def table_header_row(self) -> str:
        """The header row of these cells as one table: every distinct header, apart by tabs."""
        return "\t".join(dict.fromkeys(self.headers))

    def header_row_at(self, index: int) -> str:
        """The header row of cell ``index``'s own table."""
        rows = self.header_rows
        if not rows:
            return self.table_header_row()
        return rows[max(bisect_right(rows, index, key=itemgetter(0)) - 1, 0)][1]

    def lone_cell_keeps_its_table(self, index: int) -> bool:
        """Whether cell ``index`` scanned alone still needs its table's header row."""
        header = self.header(index)
        return bool(header) and names_other_columns(self.header_row_at(index), header)

    def index_of(self, offset: int) -> int:
        """The region containing (or, between regions, preceding) ``offset``."""
        index = bisect_right(self.starts, offset) - 1
        return index if index > 0 else 0  # (asked once per finding: no call of max)

    def header(self, index: int) -> str:
        return self.headers[index] if self.headers else ""

    def location(self, index: int) -> Location:
        if self.locations:
            return self.locations[index]
        return self.base.with_detail(
            row=self.rows[index] or None if self.rows else None,
            cell=self.refs[index] or None if self.refs else None,
            column=self.header(index) or None,
        )


@dataclass(frozen=True, slots=True)
class Segment:
    """Scannable text and where it came from.

    ``context`` is extra text that counts as context for every match in ``text`` without being
    scanned itself: a table's column header for the cells below it, a form field's label.
    ``cells``, when present, split ``text`` into regions with their own location and context:
    many small pieces (spreadsheet cells) are scanned as one text, and each finding still
    names its own cell.
    """

    text: str
    location: Location = field(default_factory=Location)
    context: str = ""
    cells: CellTable | None = None


@quick_init  # made once per finding
@dataclass(frozen=True, slots=True)
class Finding:
    """One detected piece of protected information, safe to log, store and report.

    It never holds the matched value: only offsets into the caller's own text, a masked preview
    and a keyed digest (HMAC-SHA256 under the district's secret), which lets two findings of the
    same value be recognised as the same without revealing it.
    """

    entity_type: str
    category: Category
    start: int
    end: int
    score: float
    recognizer: str
    pattern: str
    masked: str
    digest: str
    context_words: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    # For roster matches: a stable keyed digest of the person, shared by all their findings.
    subject: str | None = None
    # The person's family opted out of directory information (FERPA): even "directory" facts
    # about them (name, address, phone) are to be treated as non-directory.
    directory_opt_out: bool = False
    # In a text file: where the match starts in the whole file (``start`` and ``end`` are
    # within its segment, as everywhere else).
    at: TextAt | None = None
    # Which paragraph of its segment (blank-line separated) the match is in, when the segment
    # holds a name (`dlp.paragraphs`): what the policy's ``near()`` pairs findings by.
    paragraph: int | None = None

    def to_dict(self, masked_location: str | None = None) -> dict[str, object]:
        """``masked_location``: ``self.location.masked()``, when the caller has it (findings
        of one segment share their location, and masking it was a fifth of writing one)."""
        written: dict[str, object] = {
            "kind": "finding",
            "location": self.location.masked() if masked_location is None else masked_location,
            "entity_type": self.entity_type,
            "category": self.category.value,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "recognizer": self.recognizer,
            "pattern": self.pattern,
            "context_words": list(self.context_words),
            "masked": self.masked,
            "digest": self.digest,
        }
        # Added only when there is one (in this order): no dict built and unpacked per key.
        if self.subject:
            written["subject"] = self.subject
        if self.directory_opt_out:
            written["directory_opt_out"] = True
        at = self.at
        if at:
            written["line"] = at.line
            written["column"] = at.column
            written["absolute_start"] = at.offset
            written["absolute_end"] = at.offset + self.end - self.start
        return written

    def json_line(self, masked_location: str) -> str | None:
        """``to_dict(masked_location)`` as ``json.JSONEncoder(ensure_ascii=False)`` writes it,
        with its line end, made as one string: building the dictionary and walking it cost a
        dense scan (`dlp scan --format jsonl`) as much as finding the value. The same keys in
        the same order as ``to_dict`` (``tests/detect/test_finding_output.py`` holds them to
        it). None for a score the encoder writes its own way (not a finite float)."""
        score = self.score
        # A score's text by its value (a few recur): only a float's, and not zero's (0.0 and
        # -0.0 are one key but two texts).
        written = _SCORES.get(score) if type(score) is float and score else None
        if written is None:
            rounded = round(score, 3)
            if type(rounded) is not float or not isfinite(rounded):
                return None
            written = repr(rounded)
            if type(score) is float and score:
                if len(_SCORES) >= 1024:
                    _SCORES.clear()
                _SCORES[score] = written
        string = encode_basestring
        start, end, at = self.start, self.end, self.at
        head, source = _line_parts(
            masked_location,
            self.entity_type,
            self.category,
            self.recognizer,
            self.pattern,
            self.context_words,
        )
        if at and not self.subject and not self.directory_opt_out:
            # (a text file's finding, the usual one: the line made in one piece, not added to)
            return (
                f'{head}{start}, "end": {end}, "score": {written}{source}'
                f'{string(self.masked)}, "digest": {string(self.digest)}, "line": {at.line}, '
                f'"column": {at.column}, "absolute_start": {at.offset}, '
                f'"absolute_end": {at.offset + end - start}}}\n'
            )
        line = (
            f'{head}{start}, "end": {end}, "score": {written}{source}'
            f'{string(self.masked)}, "digest": {string(self.digest)}'
        )
        if self.subject:
            line += f', "subject": {string(self.subject)}'
        if self.directory_opt_out:
            line += ', "directory_opt_out": true'
        if at:
            line += (
                f', "line": {at.line}, "column": {at.column}, "absolute_start": {at.offset}, '
                f'"absolute_end": {at.offset + end - start}'
            )
        return line + "}\n"


new_finding = quick_new(Finding)


# A finite, non-zero float score -> its text in a JSON line (``repr(round(score, 3))``).
_SCORES: dict[float, str] = {}


# The parts of a finding's JSON line that its neighbours share (one location, a few entity
# types, recognizers and patterns), each encoded once: escaping them at every line was a fifth
# of writing it.
@lru_cache(maxsize=1024)
def _line_parts(
    masked_location: str,
    entity_type: str,
    category: Category,
    recognizer: str,
    pattern: str,
    context_words: tuple[str, ...],
) -> tuple[str, str]:
    """Up to the value of "start", and from after the score up to the value of "masked": one
    look-up a line (two, of three arguments each, cost 0.04 µs more)."""
    string = encode_basestring
    words = ", ".join(map(string, context_words))
    return (
        f'{{"kind": "finding", "location": {string(masked_location)}, '
        f'"entity_type": {string(entity_type)}, "category": {string(category.value)}, '
        '"start": ',
        f', "recognizer": {string(recognizer)}, "pattern": {string(pattern)}, '
        f'"context_words": [{words}], "masked": ',
    )


@dataclass(frozen=True, slots=True)
class Unscannable:
    """Content that could not become text, and why. Never a silent pass."""

    location: Location
    reason: UnscannableReason
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": "unscannable",
            "location": self.location.masked(),
            "reason": self.reason.value,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class MaskedIdentifier:
    """A value that names a message or file (a Message-ID): masked as its findings are, and a
    keyed digest of the whole value, so that staff can search for it without it being kept."""

    masked: str
    digest: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan learned about one message or file.

    ``findings`` holds at most a set number of each entity type (`dlp.pipeline.collect`: a
    message of a million phone numbers must not take a million findings through the decision,
    the audit log and the quarantine); ``beyond_cap`` counts, per entity type, those found past
    that cap and not kept. Counts made from ``findings`` are then lower bounds.
    """

    findings: tuple[Finding, ...] = ()
    unscannable: tuple[Unscannable, ...] = ()
    segments_scanned: int = 0
    chars_scanned: int = 0
    message_id: MaskedIdentifier | None = None  # a message's own Message-ID, when it has one
    beyond_cap: Mapping[str, int] = field(default_factory=dict, hash=False)

    @property
    def is_clean(self) -> bool:
        """True only when everything was read and nothing was found."""
        return not self.findings and not self.unscannable
