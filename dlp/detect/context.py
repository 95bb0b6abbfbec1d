"""Context words: whole words or phrases near a match that make it believable.

Presidio's own context enhancer compares lemmas, which a blank (model-free) spaCy pipeline does
not produce, so context silently does nothing there; and its default matching is by substring.
Here context phrases are found by the same whole-word Aho-Corasick pass as the dictionary terms
(``text_index``), and a match counts a phrase that lies wholly within ``before`` characters
before it or ``after`` characters after it, or anywhere in its segment's own context (a column
header, a form label).

Context does not reach across the end of a sentence, a blank line or the edge of a cell (packed
cells are blank lines apart): "SSID" in one sentence says nothing about a room number in the
next. A label on its own line directly above its value still counts (forms and OCR put labels
there). Negative context words (invoice, order, room...) take a pattern's score down when one
is nearer the match than any positive word: "order 4481902" is not a student ID. A word after
the match counts on the match's own line only (the next line of a form is the next field's),
and any word before the match is nearer than any after it (a label comes before its value).
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import cast

from dlp.detect.text_columns import CELL_EDGES, ColumnMemo, column_and_header_row
from dlp.detect.text_index import ContextIndex, TextIndexer, skeleton_words
from dlp.detect.wordfind import WordFinder

CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4
# A score with a negative word nearer than any positive one: a value that counted alone at 0.5
# falls under the default threshold of 0.4; a checksum-validated one (1.0) still counts.
NEGATIVE_FACTOR = 0.3
# Added to the distance of a word after a match: a label comes before its value, so a word
# before the match is nearer than any word after it ("SSN: 536221234  CALPADS ID: 4481902",
# two fields OCR put on one line: the SSN's own label wins over the next field's).
AFTER = 10_000
# A blank line (quoted-reply markers allowed on it), or the end of a sentence: a stop followed
# by white space and a capital letter, an opening quote or a Spanish opening mark; not the
# stop of a title or an initial ("Mrs. Lee", "Sra. López", "Ana M. Ruiz").
_NOT_AFTER = "".join(
    f"(?<!\\b{word}[.])"
    for word in ("[A-Z]", "Mr", "Mrs", "Ms", "Dr", "Sr", "Sra", "Srta", "St", "No", "Prof", "Jr")
)
# The stop first and the titles looked for behind it: the expression does work only at stops.
# One class of the characters a boundary starts with opens it (which alternative follows is
# told by a lookbehind at that character): ``re`` then skips to those characters in C, where
# an expression that opens with two alternatives is tried at every character of the gap
# (three times as long on a gap of prose). ``tests/detect/test_context_score.py`` holds it to
# the two alternatives as written.
_BOUNDARY = re.compile(
    rf"[\n.!?](?:(?<=\n)[ \t\r>]*\n|(?<=[.!?]){_NOT_AFTER}[\"')\]]*\s+(?=[A-Z\"'(\u00bf\u00a1]))"
)
_BOUNDARY_SEARCH = _BOUNDARY.search


# ``ContextRule._scorer_factory``'s memo of words found together (bounded all the same).
_NAMED_MAX = 1024


def crosses_boundary(text: str, left: int, right: int) -> bool:
    """Whether the gap ``text[left:right]`` between a context word and a match ends a sentence
    or a paragraph (the character after the gap is looked at: a capital starts a sentence)."""
    if right <= left or not text:
        return False
    return _BOUNDARY.search(text, left, min(right + 1, len(text))) is not None


def _ends_line(text: str, left: int, right: int) -> bool:
    """Whether the gap after a match up to a word behind it crosses a boundary or a line
    break: a form's next line is the next field's label ("SSN: 536-22-1234" then "Order
    4481902"), never this value's."""
    return "\n" in text[left:right] or crosses_boundary(text, left, right)


# Not frozen: one is made per text, and a frozen one's fields are set by a call each (2.3 us
# a text against 0.6, 1.2% of the fast path).
@dataclass(slots=True, weakref_slot=True)
class TextContext:
    """Everything known about context in one text: the phrase index and the segment context.

    ``cell_starts``/``cell_extras``: for a packed text, where each cell starts and the context
    phrases of that cell's own header; a match gets the extras of the cell it starts in.
    """

    indexer: TextIndexer
    index: ContextIndex
    extra: frozenset[int] = frozenset()
    cell_starts: Sequence[int] = ()
    cell_extras: tuple[frozenset[int], ...] = ()
    text: str = ""  # the text the offsets refer to, for sentence and paragraph boundaries
    # The segment's own context and each cell's header as text, for rules whose words are
    # looked for around a match rather than indexed (``ContextRule.indexed``).
    extra_text: str = ""
    cell_headers: Sequence[str] = ()
    # Each cell's own table's header row, from its first cell on (``CellTable.header_rows``):
    # a block holding only the tail of a table is still that kind of table.
    header_rows: Sequence[tuple[int, str]] = ()
    # ``column_header``'s walks up a pasted table in ``text``, remembered for its other cells.
    columns: ColumnMemo = field(default_factory=dict, compare=False, repr=False)
    rows: dict[int, str] = field(default_factory=dict, compare=False, repr=False)
    # Each rule's ``ContextRule.scorer`` for this text, by the rule's id.
    scorers: dict[int, tuple[ContextRule, Scorer]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def header_text_at(self, position: int) -> str:
        if not self.cell_headers:
            return self.extra_text
        header = self.cell_header_at(position)
        return f"{self.extra_text}\n{header}" if self.extra_text else header

    def cell_header_at(self, position: int) -> str:
        """The header of the packed cell ``position`` is in ("" outside a table)."""
        cell = bisect_right(self.cell_starts, position) - 1
        return self.cell_headers[cell] if 0 <= cell < len(self.cell_headers) else ""

    def header_row(self, position: int = -1) -> str:
        """The header row of the table the packed cell ``position`` is in (what kind of table
        it is): its table's own when known, else every distinct header of the packed text,
        apart by tabs, made once per text."""
        rows = self.header_rows
        if len(rows) == 1:
            return rows[0][1]  # one table's cells (the usual block): no look-up per match
        if rows and position >= 0:
            cell = bisect_right(self.cell_starts, position) - 1
            at = bisect_right(rows, cell, key=itemgetter(0)) - 1
            return rows[max(at, 0)][1]
        row = self.rows.get(0)
        if row is None:
            row = self.rows[0] = "\t".join(dict.fromkeys(self.cell_headers))
        return row

    def extra_at(self, position: int) -> frozenset[int]:
        if not self.cell_extras:
            return self.extra
        cell = bisect_right(self.cell_starts, position) - 1
        return self.extra | self.cell_extras[cell] if cell >= 0 else self.extra


# A rule's score of a match (start, end, base score, floor) in one text: ``ContextRule.scorer``.
Scorer = Callable[[int, int, float, float], tuple[float, tuple[str, ...]]]


@dataclass(frozen=True, slots=True)
class ContextRule:
    """One recognizer's context words, negative words and how far from a match they may be."""

    words: tuple[str, ...]
    before: int
    after: int
    negative: tuple[str, ...] = ()
    # False: ``words`` are looked for around each match, like the negative words, not in the
    # shared index. For a recognizer of rare terms whose context words are common ("school",
    # "class", "day"): indexed, each of their countless places would cost every scan a little.
    indexed: bool = True
    # A column header that counts as a context word only in a table whose header row also
    # names one of ``columns_with`` ("Name | ID | Score": "ID" alone labels a student's ID in a
    # gradebook, and nothing in an order list). Whole header cells, compared by their words.
    columns: tuple[str, ...] = ()
    columns_with: tuple[str, ...] = ()
    # The phrase ids of ``words`` in each indexer asked (by its id): a rule is asked for them
    # at every match, and hashing the word tuple each time showed.
    _ids: dict[int, tuple[TextIndexer, frozenset[int]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # ``_scorer_factory`` for each indexer asked (by its id), as ``_ids``.
    _factories: dict[int, tuple[TextIndexer, Callable[[TextContext], Scorer]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Negative words are not in the shared index: "room" and "lot" are common words, and
    # each place the index reports costs the whole scan a little. They matter only next to
    # a match, so they are looked for there, in the few characters around it.
    _negative: WordFinder | None = field(default=None, compare=False, repr=False)
    _positive_words: WordFinder | None = field(default=None, compare=False, repr=False)
    # The ASCII characters no negative word can end with: a gap between a positive word and
    # the match made only of these (": ", " - ") holds the end of no negative word, so none
    # can be nearer than the positive one (``score`` skips the search: a label's value).
    _gap_safe: str = field(default="", compare=False, repr=False)
    # The last two characters any negative word's match ends with (its last character alone
    # for a word whose last part is one character, "order #"): where it finds none in a gap,
    # no negative word ends there (``score`` skips the search: "Student ID: " before an ID,
    # whose gap holds ":", which "ss:" ends with, but not "ss:").
    _negative_end: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    # The longest text a negative word's expression matches (``negative_pattern``).
    _negative_longest: int = field(default=0, compare=False, repr=False)
    _column_cells: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # The header row words, searched once per table row (no window to find them in).
    _row_words: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    # No words, negative words or column headers: context changes no score (``scorer``).
    _inert: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.words or self.negative or self.columns):
            object.__setattr__(self, "_inert", True)
        if self.columns:
            cells = frozenset(" ".join(skeleton_words(word)) for word in self.columns)
            object.__setattr__(self, "_column_cells", cells)
            object.__setattr__(self, "_row_words", negative_pattern(self.columns_with))
        if self.negative:
            finder = WordFinder(negative_pattern(self.negative), self.negative)
            object.__setattr__(self, "_negative", finder)
            object.__setattr__(self, "_gap_safe", _no_last_character(self.negative))
            object.__setattr__(self, "_negative_end", _negative_ends(self.negative))
            object.__setattr__(self, "_negative_longest", _longest_match(self.negative))
        if not self.indexed and self.words:
            finder = WordFinder(negative_pattern(self.words), self.words)
            object.__setattr__(self, "_positive_words", finder)

    def _phrase_ids(self, indexer: TextIndexer) -> frozenset[int]:
        entry = self._ids.get(id(indexer))
        if entry is None or entry[0] is not indexer:  # (an id can be reused once freed)
            entry = self._ids[id(indexer)] = (indexer, indexer.phrase_ids(self.words))
        return entry[1]

    def _nearest_negative(self, text: str, start: int, end: int) -> int | None:
        """The distance of the nearest negative word around the match, not across a
        boundary; None when there is none."""
        return self._nearest_word(self._negative, text, start, end)

    def _nearest_word(
        self, finder: WordFinder | None, text: str, start: int, end: int
    ) -> int | None:
        """The distance of the nearest of ``finder``'s words around the match, not across a
        boundary; None when there is none."""
        if finder is None:
            return None
        nearest: int | None = None
        # The last one before that does not cross a boundary is the nearest: looked for from
        # the match backwards, so the boundary test runs only until it is found.
        for _, found_end in reversed(finder.spans(text, max(0, start - self.before), start)):
            if not crosses_boundary(text, found_end, start):
                nearest = start - found_end
                break
        following = finder.spans(text, end, min(len(text), end + self.after), first_only=True)
        if following and not _ends_line(text, end, following[0][0]):
            distance = following[0][0] - end + AFTER
            nearest = distance if nearest is None else min(nearest, distance)
        return nearest

    def _nearest(
        self, context: TextContext, start: int, end: int, wanted: frozenset[int]
    ) -> dict[int, int]:
        """Each phrase near the match, with its distance, not across a boundary."""
        if not wanted:
            return {}
        text = context.text
        nearest: dict[int, int] = {}
        # ``ContextIndex.near``'s walk, inline (it runs at every match): each occurrence of a
        # wanted phrase wholly within ``before`` chars before or ``after`` chars after.
        index = context.index
        starts, ends, phrases = index.starts, index.ends, index.phrases
        position = bisect_left(starts, start - self.before)
        limit, count = end + self.after, len(starts)
        while position < count and starts[position] < limit:
            phrase = phrases[position]
            phrase_start, phrase_end = starts[position], ends[position]
            position += 1
            if phrase not in wanted or not (
                phrase_end <= start or (phrase_start >= end and phrase_end <= limit)
            ):
                continue
            if phrase_end <= start:
                left, right = phrase_end, start
                if crosses_boundary(text, left, right):
                    continue
            else:
                left, right = end, phrase_start
                if _ends_line(text, left, right):
                    continue
            distance = right - left + (AFTER if phrase_end > start else 0)
            if distance < nearest.get(phrase, distance + 1):
                nearest[phrase] = distance
        return nearest

    def words_near(self, context: TextContext, start: int, end: int) -> tuple[str, ...]:
        return self._positive(context, start, end)[0]

    def _positive(
        self, context: TextContext, start: int, end: int
    ) -> tuple[tuple[str, ...], int | None]:
        """The context words that count, and the distance of the nearest in the text."""
        if not self.indexed:
            return self._positive_around(context, start, end)
        indexer = context.indexer
        entry = self._ids.get(id(indexer))  # ``_phrase_ids``, inline: it is asked at every match
        wanted = (
            entry[1] if entry is not None and entry[0] is indexer else self._phrase_ids(indexer)
        )
        near = self._nearest(context, start, end, wanted)
        extra = context.extra_at(start)
        if not near and not extra:
            return (), None  # most matches: nothing to name
        ids = list(near)
        if extra:
            ids += [i for i in sorted(extra & wanted) if i not in near]
        closest = min(near.values()) if near else None
        phrases = context.indexer.phrases
        return tuple([phrases[i] for i in ids]), closest

    def _positive_around(
        self, context: TextContext, start: int, end: int
    ) -> tuple[tuple[str, ...], int | None]:
        """For a rule whose words are not indexed: the nearest of them around the match, or
        one in the segment's context or the cell's header."""
        finder = self._positive_words
        if finder is None:
            return (), None
        text = context.text
        nearest = self._nearest_word(finder, text, start, end)
        if nearest is not None:
            low, high = max(0, start - self.before), min(len(text), end + self.after)
            found = [text[a:b].lower() for a, b in finder.spans(text, low, high)]
            return tuple(dict.fromkeys(found)), nearest
        header = context.header_text_at(start)
        found_in_header = finder.pattern.search(header) if header else None
        if found_in_header is not None:
            return (found_in_header.group().lower(),), None
        return (), None

    def score(
        self, context: TextContext, start: int, end: int, base: float
    ) -> tuple[float, tuple[str, ...]]:
        """The match's score after its context, and the context words that raised it
        (``scorer``: what a caller with many matches in one text calls)."""
        return self.scorer(context)(start, end, base, 0.0)

    def scorer(self, context: TextContext) -> Scorer:
        """``score`` for the matches of one text, made once per text with what it reads of the
        rule and the text bound (a dozen lookups a match, a tenth of its time). Its fourth
        argument, a floor: a match that scores under it whatever negative words are near is
        given its score before them, not looked for (the caller drops it; 0: exact). It is
        asked at every match: the common case (a value in prose, an indexed rule) is settled without
        the calls of the general one (``_positive``, ``column_header``);
        ``tests/detect/test_match_fast.py`` holds it to them."""
        if self._inert:
            # A rule with no words (an e-mail address, a card number): every path of the
            # scorer gives the base score and no words. Its matches were scored as any rule's
            # (1.7 us each, a seventh of the dense corpus's scores), and a scorer made per text.
            return _unchanged
        made = context.scorers.get(id(self))
        if made is None or made[0] is not self:  # (an id can be reused once freed)
            indexer = context.indexer
            factory = self._factories.get(id(indexer))
            if factory is None or factory[0] is not indexer:
                factory = self._factories[id(indexer)] = (indexer, self._scorer_factory(indexer))
            made = context.scorers[id(self)] = (self, factory[1](context))
        return made[1]

    def _scorer_factory(self, indexer: TextIndexer) -> Callable[[TextContext], Scorer]:
        """What makes ``scorer``'s function for each text: what it reads of the rule is read
        here, once, and shared by the functions of every text (each text's scorers were made
        with some 35 values bound, a twentieth of the fast path's time with their freeing)."""
        # (a rule whose words are not indexed has none among the text's phrases)
        wanted = self._phrase_ids(indexer) if self.indexed else frozenset()
        before, after = self.before, self.after
        phrases = indexer.phrases
        negative, gap_safe, negative_nearer = self._negative, self._gap_safe, self._negative_nearer
        longest, before_limit = self._negative_longest, self.before
        negative_end = self._negative_end.search if self._negative_end is not None else None
        has_column_cells = bool(self._column_cells)
        score_in_column = self._score_in_column
        indexed, positive_around = self.indexed, self._positive_around
        column_label = self.column_label
        boost, highest, lowest = CONTEXT_BOOST, 1.0, MIN_SCORE_WITH_CONTEXT
        # The words of the phrases found near a match (repeats and all, in the order found),
        # each once: a rule's labels are found in a few orders ("ssn" and "s s n" in "SSN"),
        # each named once for every text. Only the rule's own words are kept.
        named: dict[tuple[int, ...], tuple[str, ...]] = {}

        def make(context: TextContext) -> Scorer:
            text, index = context.text, context.index
            length = len(text)
            starts, ends, phrases_at = index.starts, index.ends, index.phrases
            count = len(starts)
            extra_all, cell_starts, cell_extras = (
                context.extra,
                context.cell_starts,
                context.cell_extras,
            )
            by_column = has_column_cells and bool(context.cell_headers)
            columns = context.columns
            # Whether a negative word can end nearer than a positive one before a match, by
            # the gap between them (from the word's last character on): a text's labelled
            # values have a few gaps ("SSN is ", "DOB: "), each settled once. Kept with the
            # text only.
            gaps: dict[str, bool] = {}
            # The context keeps its scorers: one that held it back would make a cycle, which
            # only the collector frees (a text, its index and memos kept past its scan). (A
            # scorer is called by the context's holder: ``held()`` is the context.)
            held = weakref.ref(context)
            # The words a match alone between blank lines gets (see below), by the header
            # phrases of its cell (None: no cell's): a column's cells share one set of them.
            alone_words: dict[frozenset[int] | None, tuple[str, ...]] = {}
            # (no segment context and no cell headers: most texts)
            has_extra = bool(extra_all) or bool(cell_extras)

            def score(
                start: int,
                end: int,
                base: float,
                floor: float,
                # This text's values, bound as defaults (one tuple made with the function)
                # rather than closed over (a cell each, made at every text for every rule):
                # never passed.
                text: str = text,
                length: int = length,
                starts: list[int] = starts,
                ends: list[int] = ends,
                phrases_at: list[int] = phrases_at,
                count: int = count,
                extra_all: frozenset[int] = extra_all,
                cell_starts: Sequence[int] = cell_starts,
                cell_extras: tuple[frozenset[int], ...] = cell_extras,
                has_extra: bool = has_extra,
                by_column: bool = by_column,
                columns: ColumnMemo = columns,
                gaps: dict[str, bool] = gaps,
                held: weakref.ref[TextContext] = held,
                alone_words: dict[frozenset[int] | None, tuple[str, ...]] = alone_words,
            ) -> tuple[float, tuple[str, ...]]:
                # The character left of the match, past one space. In prose (most matches) it is
                # no cell's edge, which settles that the value is not alone between blank lines
                # (a line break is an edge) and is no pasted table's cell: neither is looked at.
                alone = False
                left = text[start - 1] if start else "\n"
                edge = text[start - 2] if left == " " and start > 1 else left
                if edge in CELL_EDGES:
                    # A blank line before the match and a line break after it (a packed cell's
                    # value: cells are blank lines apart) leave it no word of its text: one before
                    # it ends across the blank line, one after it on a later line, and neither a
                    # phrase nor a negative word ends or starts with a line break. So it has its
                    # cell's header words only (the same for a column's cells), and it is no
                    # pasted table's cell (``column_and_header_row``: a line break either side).
                    alone = (
                        indexed
                        and (end == length or text[end] == "\n")
                        and (
                            start == 0
                            or (text[start - 1] == "\n" and (start == 1 or text[start - 2] == "\n"))
                        )
                    )
                    # The character right of it too can make the value a table's cell
                    # (``column_header`` settles the rest): one that is no edge or padding, or
                    # one past a single space, settles that it is not.
                    if text and not alone:
                        right = text[end] if end < length else "\n"
                        if right == " " and end + 1 < length:
                            right = text[end + 1]
                        if right in CELL_EDGES:
                            column = column_and_header_row(text, start, end, columns)
                            if column is not None:
                                return score_in_column(
                                    cast(TextContext, held()), column[0], start, base, column[1]
                                )
                closest: int | None
                words: tuple[str, ...]
                if indexed and not alone:
                    # ``_nearest``, inline: each phrase of the rule wholly within ``before``
                    # characters before the match or ``after`` after it, not across a boundary,
                    # and the distance of the nearest (``closest``). The phrases are kept in the
                    # order found, repeats and all (``named`` gives their words, each once): a
                    # phrase's own distance decides nothing (a dict of them cost a look-up and a
                    # store at each phrase found).
                    near: tuple[int, ...] = ()
                    position = bisect_left(starts, start - before)
                    limit = end + after
                    # (more than any distance found)
                    nearest = limit + AFTER
                    # A phrase's end before the match and whether a boundary follows it: phrases
                    # of one place end together ("ssn" and "s s n" in "SSN"), one search for both.
                    searched, crossed = -1, False
                    while position < count and starts[position] < limit:
                        phrase = phrases_at[position]
                        position += 1
                        # (most of the index's phrases near a match are other rules')
                        if phrase not in wanted:
                            continue
                        phrase_end = ends[position - 1]
                        if phrase_end <= start:
                            if phrase_end != searched:
                                searched = phrase_end
                                if phrase_end == start - 1:
                                    # One character between them (a label's space): the
                                    # only boundary that fits in it and the match's first
                                    # character is a blank line (both line breaks); the
                                    # expression cost 0.1 us a search.
                                    crossed = left == "\n" and text[start] == "\n"
                                else:
                                    # (``re`` reads an end past the text as the text's end)
                                    crossed = (
                                        phrase_end < start
                                        and _BOUNDARY_SEARCH(text, phrase_end, start + 1)
                                        is not None
                                    )
                            if crossed:
                                continue
                            distance = start - phrase_end
                        else:
                            phrase_start = starts[position - 1]
                            if (
                                phrase_start < end
                                or phrase_end > limit
                                or _ends_line(text, end, phrase_start)
                            ):
                                continue
                            distance = phrase_start - end + AFTER
                        near += (phrase,)
                        if distance < nearest:
                            nearest = distance
                    if has_extra:
                        # (``TextContext.extra_at``)
                        extra = extra_all
                        if cell_extras:
                            cell = bisect_right(cell_starts, start) - 1
                            if cell >= 0:
                                extra = extra_all | cell_extras[cell]
                        if not near:
                            closest = None
                            words = tuple([phrases[i] for i in sorted(extra & wanted)])
                        else:
                            closest = nearest
                            ids = list(dict.fromkeys(near))
                            ids += [i for i in sorted(extra & wanted) if i not in ids]
                            words = tuple([phrases[i] for i in ids])
                    elif near:
                        closest = nearest
                        found = named.get(near)
                        if found is None:
                            if len(named) >= _NAMED_MAX:
                                named.clear()
                            found = named[near] = tuple(
                                map(phrases.__getitem__, dict.fromkeys(near))
                            )
                        words = found
                    else:
                        words, closest = (), None  # most matches: nothing to name
                elif alone:
                    own = None
                    if cell_extras:
                        cell = bisect_right(cell_starts, start) - 1
                        if cell >= 0:
                            own = cell_extras[cell]
                    found = alone_words.get(own)
                    if found is None:
                        extra = extra_all if own is None else extra_all | own
                        found = alone_words[own] = tuple(
                            [phrases[i] for i in sorted(extra & wanted)]
                        )
                    words, closest = found, None
                else:
                    words, closest = positive_around(cast(TextContext, held()), start, end)
                if not words and base < floor and not by_column:
                    # Under the caller's floor with or without a negative word (which only lowers
                    # it): not looked for, the score as it stands (most of an ID pattern's matches
                    # with no label, a tenth of the dense corpus's scores).
                    return base, words
                if negative is not None and not alone:
                    if closest is None or closest > AFTER:
                        if negative_nearer(text, start, end, closest):
                            return base * NEGATIVE_FACTOR, ()
                    elif closest == 1 and left == " ":
                        pass  # (a space: no negative word ends with one, see ``gap_safe``)
                    elif gaps.get(gap := text[start - closest - 1 : start]) is not False:
                        # A positive word before the match: a negative word can be nearer only by
                        # ending in the gap between them. None can when the gap holds only what
                        # no negative word ends with, or not the last two characters of one
                        # (most gaps, settled once a text: False); else where one ends there,
                        # ``_negative_nearer`` decides.
                        possible = gaps.get(gap)
                        if possible is None:
                            possible = gaps[gap] = (
                                gap[1:].strip(gap_safe) != ""
                                and negative_end is not None
                                and negative_end(gap) is not None
                            )
                        if (
                            possible
                            and negative.spans(
                                text,
                                max(0, start - before_limit, start - closest - longest),
                                start,
                            )
                            and negative_nearer(text, start, end, closest)
                        ):
                            return base * NEGATIVE_FACTOR, ()
                if not words:
                    if by_column:
                        # A packed spreadsheet cell under a header that counts only in its kind of
                        # table ("ID" in a gradebook).
                        at = cast(TextContext, held())
                        label = column_label(at.cell_header_at(start), at.header_row(start))
                        if label is not None:
                            return boosted(base, (label,)), (label,)
                    return base, words
                # ``boosted``, inline: ``max(min(base + CONTEXT_BOOST, 1.0), MIN_SCORE_...)``.
                raised = base + boost
                if highest < raised:
                    raised = highest
                if lowest > raised:
                    raised = lowest
                return raised, words

            return score

        return make

    def _negative_nearer(self, text: str, start: int, end: int, closest: int | None) -> bool:
        """Whether ``_nearest_negative`` is nearer than ``closest`` (a positive word's
        distance; None: there is none). A word after the match counts ``AFTER`` more, so it is
        looked for only when it can decide: nothing before the match, and no positive word
        nearer than ``AFTER`` (most matches in a form: the label right before the value)."""
        finder = self._negative
        if finder is None:
            return False
        against: int | None = None
        for _, found_end in reversed(finder.spans(text, max(0, start - self.before), start)):
            if not crosses_boundary(text, found_end, start):
                against = start - found_end
                break
        if (against is None or against > AFTER) and (closest is None or closest > AFTER):
            following = finder.spans(text, end, min(len(text), end + self.after), first_only=True)
            if following and not _ends_line(text, end, following[0][0]):
                distance = following[0][0] - end + AFTER
                against = distance if against is None else min(against, distance)
        return against is not None and (closest is None or against < closest)

    def column_label(self, header: str, row: str) -> str | None:
        """``header``, a column's header cell, when it is one of ``columns`` and the header
        row ``row`` names one of ``columns_with``; else None."""
        if not self._column_cells or len(header) > 40:
            return None
        label = " ".join(skeleton_words(header))
        if label not in self._column_cells:
            return None
        row_words = self._row_words
        if row_words is None or row_words.search(row) is None:
            return None
        return label

    def _score_in_column(
        self, context: TextContext, header: str, start: int, base: float, row: str = ""
    ) -> tuple[float, tuple[str, ...]]:
        """A whole cell of a table pasted into text: its column's header is its context, not
        the other columns' cells and headers around it (``dlp.detect.text_columns``)."""
        if self.indexed:
            wanted = self._phrase_ids(context.indexer)
            ids = (context.indexer.phrases_in(header) | context.extra_at(start)) & wanted
            words = tuple(context.indexer.phrases[i] for i in sorted(ids))
        else:
            found = self._positive_words.pattern.search(header) if self._positive_words else None
            words = (found.group().lower(),) if found is not None else ()
        if not words and self._column_cells:
            label = self.column_label(header, row)
            if label is not None:
                words = (label,)
        if not words and self._negative is not None and self._negative.pattern.search(header):
            return base * NEGATIVE_FACTOR, ()
        return boosted(base, words), words


def _unchanged(start: int, end: int, base: float, floor: float) -> tuple[float, tuple[str, ...]]:
    """An inert rule's scorer (``ContextRule.scorer``): the score as it stands, no words."""
    return base, ()


def _no_last_character(words: Sequence[str]) -> str:
    """The ASCII characters that are not letters or digits and that the last character of no
    phrase of ``negative_pattern(words)`` matches (as it matches: ignoring case)."""
    lasts = {word.split()[-1][-1] for word in words if word.split()}
    return "".join(
        char
        for char in map(chr, range(128))
        if not char.isalnum()
        and not any(re.fullmatch(re.escape(last), char, re.IGNORECASE) for last in lasts)
    )


def _negative_ends(words: Sequence[str]) -> re.Pattern[str]:
    """What a match of ``negative_pattern(words)`` ends with: the last two characters of its
    last part, or the last one when that part has one (a separator or the part before may
    precede it), each as the expression matches it (ignoring case)."""
    ends = {
        parts[-1][-2:] if len(parts[-1]) > 1 else parts[-1]
        for parts in (word.split() for word in words)
        if parts
    }
    return re.compile("|".join(map(re.escape, sorted(ends))), re.IGNORECASE)


def _longest_match(words: Sequence[str]) -> int:
    """The longest text ``negative_pattern(words)`` matches: each phrase's words (each of
    their characters matches one of the text's, in any case) with up to three characters
    between two."""
    return max(
        (sum(map(len, word.split())) + 3 * (len(word.split()) - 1) for word in words), default=0
    )


def negative_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """The negative words as one expression over the text as written: whole words, any case,
    the words of a phrase apart by white space or a little punctuation ("order #", "P.O.")."""
    alternatives = set()
    for word in words:
        parts = word.split()
        if not parts:
            continue
        written = r"[\s.:-]{0,3}".join(re.escape(part) for part in parts)
        # A word ends at a non-word character; "#" may touch the number it labels. A longer
        # word may run on: OCR glues the label's words ("SocialSecurityNumber:").
        ends = parts[-1][-1].isalnum() and len(parts[-1]) < 5
        alternatives.add(written + (r"(?![^\W_])" if ends else ""))
    ordered = sorted(alternatives, key=len, reverse=True)
    # A word may start right after a digit: OCR glues the next field's label to a value
    # ("...4632SSNo. 536..."), and that label says what the next number is, not this one.
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(ordered)})", re.IGNORECASE)


def context_of(indexer: TextIndexer, text: str, extra: str = "") -> TextContext:
    return TextContext(
        indexer,
        indexer.index(text)[1],
        frozenset(indexer.phrases_in(extra)),
        text=text,
        extra_text=extra,
    )


def boosted(score: float, context_words: Sequence[str]) -> float:
    if not context_words:
        return score
    return max(min(score + CONTEXT_BOOST, 1.0), MIN_SCORE_WITH_CONTEXT)
