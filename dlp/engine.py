"""The scanner: segments in, safe findings out.

Assembled in one visible place (``build_scanner``) from a ``DetectionConfig``: data-defined
pattern recognizers, the keyword dictionaries, optionally a spaCy model for PERSON, and a
Hyperscan prefilter that lets the pattern recognizers look only where they can match.

Presidio is imported only where a Presidio object is asked for (``Scanner.recognizers``,
``Scanner.analyze``, a spaCy PERSON model): a scan runs without it (``dlp.detect.dedupe``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.detect.categories import CategoryInfo, load_categories, recognizer_folders
from dlp.detect.context import TextContext
from dlp.detect.dedupe import remove_duplicates
from dlp.detect.keywords import KeywordRecognizer, load_dictionaries, merge_extra_terms
from dlp.detect.masking import safe_former
from dlp.detect.matches import RawMatch
from dlp.detect.names import PERSON, NameFinder, NameLists
from dlp.detect.normalize import NormalizedText, fold
from dlp.detect.pattern_recognizer import DataPatternRecognizer
from dlp.detect.prefilter import PatternRef, Prefilter, pattern_width
from dlp.detect.roster import (
    CHECKED_PATTERN_ROLES,
    ROSTER_ENTITIES,
    checked_against_roster,
    from_roster,
)
from dlp.detect.specs import EntitySpec, SpecError, load_entity_specs
from dlp.detect.text_columns import DELIMITERS
from dlp.detect.text_index import TextIndexer
from dlp.extract.ocrmark import TRUSTED, ocr_confidence
from dlp.frozen import open_twin
from dlp.model import (
    Category,
    CellTable,
    Finding,
    Location,
    Segment,
    TextAt,
    new_finding,
)
from dlp.paragraphs import PLACED_ENTITIES, cell_starts, paragraph_of, with_paragraphs

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer, RecognizerResult
    from presidio_analyzer.nlp_engine import NlpArtifacts

    from dlp.roster.matcher import RosterMatcher

DEFAULT_SCORE_THRESHOLD = 0.4


def extra_nlp_artifacts(recognizer: EntityRecognizer, text: str) -> NlpArtifacts:
    """NLP output for recognizers that need it (PERSON with an installed model)."""
    engine = getattr(recognizer, "nlp_engine", None)
    if engine is None:
        raise TypeError(f"{recognizer.__class__.__name__} needs an nlp_engine attribute")
    artifacts: NlpArtifacts = engine.process_text(text, "en")
    return artifacts


@dataclass(frozen=True)
class DetectionConfig:
    """What to detect and how. ``secret`` keys the digests of found values."""

    secret: bytes
    recognizers_dir: Path | None = None
    # A district's additions, read over the recognizers (``dlp.detect.categories``).
    recognizers_overlay: Path | None = None
    score_threshold: float = DEFAULT_SCORE_THRESHOLD
    # {category: [(term, weight), ...]} added to the shipped dictionaries
    extra_keywords: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # Entity types to detect; None means all that the recognizer files define.
    entities: frozenset[str] | None = None
    # An installed spaCy model (package name or folder) to turn on PERSON detection.
    person_model: str | None = None
    # A roster store made by `dlp roster import` (hashed under the same secret).
    roster_path: Path | None = None
    # PERSON from the shipped name lists (recognizers/names/), with no model: see
    # dlp.detect.names. Off when a spaCy model is named (it finds PERSON itself).
    name_lists: bool = True

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("the digest secret must be at least 16 bytes")
        if not 0 < self.score_threshold <= 1:
            raise ValueError("score_threshold must be in (0, 1]")


class Scanner:
    def __init__(
        self,
        config: DetectionConfig,
        pattern_recognizers: Sequence[DataPatternRecognizer],
        keyword_recognizer: KeywordRecognizer,
        extra_recognizers: Sequence[EntityRecognizer] = (),
        roster: RosterMatcher | None = None,
        names: NameFinder | None = None,
        categories: dict[str, CategoryInfo] | None = None,
    ) -> None:
        self.config = config
        # What each category means (label, kind, clauses), as the recognizer folders declare.
        self.categories = categories or {}
        self.names = names
        self.pattern_recognizers = tuple(pattern_recognizers)
        self.keyword_recognizer = keyword_recognizer
        self.extra_recognizers = tuple(extra_recognizers)
        self.roster = roster
        self._categories: dict[str, Category] = {
            r.spec.entity_type: r.spec.category for r in self.pattern_recognizers
        }
        self._masks = {r.spec.entity_type: r.spec.mask for r in self.pattern_recognizers}
        for name in keyword_recognizer.supported_entities:
            self._categories[name] = Category(name)
            self._masks[name] = "term"
        for name in ROSTER_ENTITIES:
            self._categories[name] = Category.ROSTER
            self._masks[name] = "words" if name.endswith("NAME") else "last4"
        if names is not None:
            self._categories[PERSON] = Category.CONTACT  # a name: directory information
            self._masks[PERSON] = "words"
        for extra in self.extra_recognizers:
            for name in extra.supported_entities:
                self._categories.setdefault(name, Category.CONTACT)  # a name: directory info
                self._masks.setdefault(name, "words")
        refs = []
        for recognizer_index, recognizer in enumerate(self.pattern_recognizers):
            for pattern_index, pattern in enumerate(recognizer.spec.patterns):
                try:
                    width = pattern_width(pattern.regex, recognizer.spec.flags)
                except SpecError as error:
                    raise SpecError(f"{recognizer.spec.source}: {error}") from None
                refs.append(
                    (
                        pattern.regex,
                        recognizer.spec.flags,
                        PatternRef(recognizer_index, pattern_index, width),
                    )
                )
        # A pattern whose base score is under the threshold counts only with context (a
        # validator can raise it, so a validated pattern always runs).
        self._needs_context: list[bool] = []
        for _, _, ref in refs:
            recognizer = self.pattern_recognizers[ref.recognizer_index]
            base_score = recognizer.spec.patterns[ref.pattern_index].score
            # A rule whose words are looked for around each match (not indexed) cannot be
            # ruled out by the index: its patterns always run (rare terms: the prefilter
            # finds few places for them).
            self._needs_context.append(
                base_score < config.score_threshold
                and recognizer.spec.validate is None
                and recognizer.spec.context_indexed
            )
        # Patterns whose matches can count only through context words, those words' ids in
        # full (no column labels: ``ContextRule.columns``): ``_keep_labelled_cells``.
        self._cell_bound: tuple[bool, ...] = tuple(
            needs and not self.pattern_recognizers[ref.recognizer_index].context_rule.columns
            for needs, (_, _, ref) in zip(self._needs_context, refs, strict=True)
        )
        self._free_patterns = frozenset(
            i for i, needs in enumerate(self._needs_context) if not needs
        )
        self.prefilter = Prefilter(refs, core=self._free_patterns)
        # One automaton for the dictionary terms and every recognizer's context words.
        self.indexer = TextIndexer(
            keyword_recognizer.terms,
            [
                *(
                    word
                    for r in self.pattern_recognizers
                    if r.spec.context_indexed
                    for word in (*r.spec.context_words, *r.spec.columns)
                ),
                *(names.context_rule.words if names else ()),
            ],
            names.index_words if names else (),
        )
        self._context_ids: list[frozenset[int]] = []
        for ref in self.prefilter.refs:
            recognizer = self.pattern_recognizers[ref.recognizer_index]
            # A column label ("ID") lets the pattern run: it can count in a table's column.
            rule = recognizer.context_rule
            self._context_ids.append(self.indexer.phrase_ids((*rule.words, *rule.columns)))
        # What ``raw_matches`` reads of each pattern it runs, in one look-up a pattern: its
        # recognizer, its index there, and whether a roster may raise its matches (ID types).
        self._runs: tuple[tuple[DataPatternRecognizer, int, bool], ...] = tuple(
            (
                self.pattern_recognizers[ref.recognizer_index],
                ref.pattern_index,
                self.pattern_recognizers[ref.recognizer_index].spec.entity_type
                in CHECKED_PATTERN_ROLES,
            )
            for ref in self.prefilter.refs
        )
        self._possible: dict[frozenset[int], frozenset[int]] = {}
        self._by_header: dict[str, frozenset[int]] = {}
        self._presidio: list[EntityRecognizer] | None = None
        self._to_result: Callable[[RawMatch, str], RecognizerResult] | None = None

    def _possible_patterns(self, present: frozenset[int]) -> frozenset[int]:
        """The patterns that can count in a text where these context phrases occur."""
        possible = self._possible.get(present)
        if possible is None:
            possible = self._free_patterns.union(
                i
                for i, needs in enumerate(self._needs_context)
                if needs and not self._context_ids[i].isdisjoint(present)
            )
            if len(self._possible) >= 4096:
                self._possible.clear()
            self._possible[present] = possible
        return possible

    @property
    def recognizers(self) -> list[EntityRecognizer]:
        """The recognizers of the equivalence guarantee, as Presidio objects (roster aside)."""
        if self._presidio is None:
            from dlp.detect.presidio_adapters import as_presidio

            self._presidio = as_presidio(
                [*self.pattern_recognizers, self.keyword_recognizer, *self.extra_recognizers]
            )
        return self._presidio

    def category_of(self, entity_type: str) -> Category:
        return self._categories.get(entity_type, Category.CONTACT)

    def raw_matches(
        self,
        text: str,
        extra_context: str = "",
        cells: CellTable | None = None,
        folded: bool = False,
    ) -> list[RawMatch]:
        """Every match that can reach the threshold, before it is applied and duplicates go.

        A pattern whose base score is under the threshold counts only with context; when none
        of its recognizer's context words occurs anywhere in the text, none of its matches can
        count, so its regex is not run at all, and when that holds for every such pattern, the
        prefilter does not scan for them either. (This is what makes digit-heavy text cheap.)
        """
        # Encoded once for the Hyperscan passes and the roster's kernel, which read bytes.
        ascii_bytes = text.encode("ascii") if text.isascii() else None
        found, context_index = self.indexer.index(text, folded, ascii_bytes)
        extra_ids = _NO_PHRASES
        if extra_context:
            extra_ids = frozenset(self.indexer.phrases_in(extra_context))
        own_ids = _NO_PHRASES
        if cells:
            cell_extras, header_ids = self._cell_extras(cells)
            own_ids = extra_ids.union(context_index.phrases)
            present = own_ids | header_ids
        else:
            # (most texts: no cells, no context of their own; one set made, no union)
            cell_extras = ()
            present = (
                extra_ids.union(context_index.phrases)
                if extra_ids
                else frozenset(context_index.phrases)
            )
        windows_by_pattern = self.prefilter.windows(
            text, self._possible_patterns(present), ascii_bytes
        )
        if cell_extras and windows_by_pattern:
            self._keep_labelled_cells(windows_by_pattern, text, own_ids, cells, cell_extras)
        context = None
        if windows_by_pattern or context_index.given_names:
            # Every field given, in order (a keyword and three default factories made half
            # of its cost, 0.50 against 0.27 us a text).
            context = TextContext(
                self.indexer,
                context_index,
                extra_ids,
                cells.starts if cells else (),
                cell_extras,
                text,
                extra_context,
                cells.headers if cells else (),
                cells.header_rows if cells else (),
                {},
                {},
                {},
            )
        if windows_by_pattern and context is not None:
            roster, threshold, runs = self.roster, self.config.score_threshold, self._runs
            for pattern_id, windows in windows_by_pattern.items():
                if not windows:
                    continue  # (every window in cells whose header cannot raise it)
                recognizer, pattern_index, id_type = runs[pattern_id]
                # Matches under the threshold cannot count, unless the roster may raise them.
                checked = roster is not None and id_type
                floor = 0.0 if checked else threshold
                matches = recognizer.find_in_windows(text, pattern_index, windows, context, floor)
                if roster is not None and checked:
                    # Only ID patterns' matches are checked against the roster.
                    matches = [
                        checked_against_roster(m, text, roster, threshold)
                        if m.entity_type in CHECKED_PATTERN_ROLES
                        else m
                        for m in matches
                    ]
                found.extend(matches)
        if self.names is not None and context is not None and context_index.given_names:
            found.extend(
                self.names.find(
                    text, context_index.given_names, context, self.config.score_threshold
                )
            )
        if self.roster is not None:
            people = self.roster.find(text, ascii_bytes)
            if people:
                found.extend(map(from_roster, people))
        for extra in self.extra_recognizers:
            artifacts = extra_nlp_artifacts(extra, text)
            entities = list(extra.supported_entities)
            for result in extra.analyze(text, entities=entities, nlp_artifacts=artifacts):
                found.append(
                    RawMatch(
                        entity_type=result.entity_type,
                        start=result.start,
                        end=result.end,
                        score=result.score,
                        recognizer=extra.__class__.__name__,
                        pattern=extra.__class__.__name__,
                    )
                )
        return found

    def _keep_labelled_cells(
        self,
        windows_by_pattern: dict[int, list[tuple[int, int]]],
        text: str,
        own_ids: frozenset[int],
        cells: CellTable | None,
        cell_extras: tuple[frozenset[int], ...],
    ) -> None:
        """Drop, in place, the windows of a pattern that counts only with context which can
        hold no match that counts: when the text and the segment's context have none of its
        words, a match's words can only be those of the header of the cell it starts in
        (``ContextRule.scorer``: its nearest phrases are the text's, its extras the segment's
        and its cell's), or of a pasted table's column, which needs a delimiter in the text
        (``text_columns.column_and_header_row``). A window whose cells' headers have none of
        the words can hold no match that counts (a match starts and ends inside its window).
        A spreadsheet's "Parent phone" column made the bare phone number run in every ID
        cell of the sheet, none of which it could count in."""
        if cells is None or any(map(text.__contains__, DELIMITERS)):
            return
        starts = cells.starts
        count = len(starts)
        roster, runs = self.roster, self._runs
        for pattern_id, windows in windows_by_pattern.items():
            # (an ID pattern's matches under the threshold are kept for the roster to raise)
            if not self._cell_bound[pattern_id] or (roster is not None and runs[pattern_id][2]):
                continue
            wanted = self._context_ids[pattern_id]
            if not wanted.isdisjoint(own_ids):
                continue
            # Whether a cell's header phrases hold one of the words, by the phrases (a
            # column's cells share them), as they are met.
            labelled: dict[frozenset[int], bool] = {}
            kept: list[tuple[int, int]] = []
            streak = 0
            for number, window in enumerate(windows):
                start, end = window
                cell = bisect_right(starts, start) - 1
                if cell < 0:
                    cell = 0
                # Every cell the window reaches into (most windows: one).
                while True:
                    extras = cell_extras[cell]
                    found = labelled.get(extras)
                    if found is None:
                        found = labelled[extras] = not wanted.isdisjoint(extras)
                    cell += 1
                    if found or cell == count or starts[cell] >= end:
                        break
                if not found:
                    streak = 0
                    continue
                kept.append(window)
                streak += 1
                if streak == _KEPT_STREAK:
                    # (a pattern whose windows are in its own column, a date's under "DOB":
                    # the rest are kept as they are, rather than each looked at for nothing)
                    kept += windows[number + 1 :]
                    break
            windows_by_pattern[pattern_id] = kept

    def _cell_extras(self, cells: CellTable) -> tuple[tuple[frozenset[int], ...], frozenset[int]]:
        """Context phrases of each cell's header, and of all headers together; headers
        repeat (a column's), so each distinct one is indexed once."""
        if not cells.headers:
            return (), frozenset()
        by_header = {header: self._header_phrases(header) for header in set(cells.headers)}
        return tuple(map(by_header.__getitem__, cells.headers)), frozenset().union(
            *by_header.values()
        )

    def _header_phrases(self, header: str) -> frozenset[int]:
        """A column header's context phrases: a sheet's blocks repeat its headers, and a
        header is a label, not a value, so it may be kept across segments."""
        phrases = self._by_header.get(header)
        if phrases is None:
            phrases = frozenset(self.indexer.phrases_in(header))
            if len(self._by_header) >= 4096:
                self._by_header.clear()
            self._by_header[header] = phrases
        return phrases

    def kept_matches(
        self,
        text: str,
        extra_context: str = "",
        cells: CellTable | None = None,
        folded: bool = False,
        ranked: bool = True,
    ) -> list[RawMatch]:
        """The matches that count: at the threshold, of a wanted type, duplicates and
        contained ones removed by Presidio's rule (``dlp.detect.dedupe``), in its order
        (``ranked`` false: in none, for a caller that sorts them by place)."""
        wanted, threshold = self.config.entities, self.config.score_threshold
        found = self.raw_matches(text, extra_context, cells, folded)
        if wanted is None:  # (every type: one test a match, in a list made in one go)
            return remove_duplicates([m for m in found if m.score >= threshold], ranked)
        return remove_duplicates(
            [m for m in found if m.score >= threshold and m.entity_type in wanted], ranked
        )

    def analyze(
        self,
        text: str,
        extra_context: str = "",
        cells: CellTable | None = None,
        folded: bool = False,
    ) -> list[RecognizerResult]:
        """Presidio-style results, exactly as ``AnalyzerEngine.analyze`` would give them."""
        to_result = self._to_result
        if to_result is None:
            # Imported at the first call, not with the engine (it imports Presidio); kept, not
            # imported again at each call (2 us a call, 1.6% of the fast path in py-spy).
            from dlp.detect.presidio_adapters import to_recognizer_result

            to_result = self._to_result = to_recognizer_result
        return [
            to_result(match, "") for match in self.kept_matches(text, extra_context, cells, folded)
        ]

    def scan(
        self,
        segment: Segment,
        take: Callable[[str, Location], bool] | None = None,
        paragraphs: bool = False,
        take_cell: Callable[[str, int], Location | None] | None = None,
    ) -> list[Finding]:
        """Findings in one segment; in a packed segment, offsets and location are its cell's.

        Every recognizer reads the folded text (``dlp.detect.normalize.fold``), so a zero-width
        space or a full-width digit cannot hide a value; offsets are mapped back to the
        segment's own text, and the masked preview and digest are of the value as folded (the
        same SSN has the same digest however it was disguised).

        ``take``, when given, is asked for each result's entity type and location in the order
        of the text; a result it refuses is not made into a finding (a caller past its cap of
        one type: the masked preview and the digest are most of what a finding costs).

        ``paragraphs``: the findings as ``dlp.paragraphs.with_paragraphs`` gives them, each
        with its paragraph, given as it is made (a copy of every finding saved).

        ``take_cell``, for a packed segment in place of ``take``: asked for each result's
        entity type and cell index in the order of the text, it gives the location of the
        finding to make, or None to refuse it. One call a match where the table's
        ``location`` and ``take`` were two (a roster's findings past its previews are
        nearly all refused: ``dlp.export.candidates.PreviewCut``).
        """
        folded = fold(segment.text)
        text = folded.text
        original_cells = segment.cells
        cells = original_cells
        if original_cells and not folded.is_identity:
            cells = replace(
                original_cells,
                starts=[folded.to_normalized(s) for s in original_cells.starts],
                ends=[folded.to_normalized(e) for e in original_cells.ends],
                longest=-1,
            )
        findings = []
        matches = self.kept_matches(text, segment.context, cells, folded=True, ranked=False)
        # In the order of the text: what ``take`` is asked in, and what lets a text file's
        # line and column be counted on from the previous finding rather than from the top.
        matches.sort(key=_text_order)
        secret, masks, categories = self.config.secret, self._masks, self._categories
        to_original, to_original_end = folded.to_original, folded.to_original_end
        identity = folded.is_identity  # (most text: offsets map to themselves)
        location, offset, cell = segment.location, 0, -1
        # The cell, original offset and TextAt there of the previous finding in a text file.
        original_text, last_cell, last_start = segment.text, -1, -1
        last_at: TextAt | None = None
        # The OCR confidence that lowers scores (``ocrmark.ocr_score``), read once per location.
        scored_at: Location | None = None
        confidence: float | None = None
        # Each distinct value's masked preview and digest, made once: a text dense with
        # findings repeats its values (a term, a name, a student's ID on every row). Kept for
        # this segment only, so no value outlives its scan.
        safe_forms: dict[tuple[str, str], tuple[str, str]] = {}
        # ``with_paragraphs``'s work, done here when every match becomes a finding (with
        # ``take``, it is asked which do, and places them after).
        asked = take is not None or take_cell is not None
        place, cell_start = _paragraph_placing(segment, matches, paragraphs and not asked)
        # Tested once, not per match: a table's truth is a call of its ``__len__``.
        table = cells if original_cells else None
        if take is None and take_cell is None and table is None:
            findings = self._plain_findings(segment, text, folded, matches, place)
            if not folded.is_identity:
                findings.sort(key=_text_order)  # (as below: one character can fold to two)
            return findings
        paragraph = None
        original_starts = original_cells.starts if original_cells is not None else ()
        # ``table.index_of``, inline (asked at every match): its starts read once.
        table_starts = table.starts if table is not None else ()
        if take_cell is not None and original_cells is None:
            raise ValueError("take_cell is for a packed segment")
        for match in matches:
            entity_type = match.entity_type
            if table is not None:
                cell = bisect_right(table_starts, match.start) - 1
                if cell < 0:
                    cell = 0
                if take_cell is not None:
                    taken = take_cell(entity_type, cell)
                    if taken is None:
                        continue
                    location = taken
                else:
                    location = table.location(cell)
                offset = original_starts[cell]
            if take is not None and not take(entity_type, location):
                continue
            if location is not scored_at:
                scored_at, confidence = location, ocr_confidence(location)
                if confidence is not None and confidence >= TRUSTED:
                    confidence = None
            value = text[match.start : match.end]
            forms = safe_forms.get((entity_type, value))
            if forms is None:
                forms = safe_forms[entity_type, value] = safe_former(
                    secret, entity_type, masks.get(entity_type, "last4")
                )(value)
            masked, digest = forms
            start = match.start if identity else to_original(match.start)
            at = None
            if location.text_at is not None:
                # In a text file: the match's line and column in the whole file.
                if last_at is not None and last_cell == cell and last_start <= start:
                    at = last_at.advance(original_text, last_start, start)
                else:
                    at = location.text_at.advance(original_text, offset, start)
                last_cell, last_start, last_at = cell, start, at
            if place is not None:
                paragraph = place(
                    entity_type,
                    start if cell_start is None else cell_start.get(location, 0) + start - offset,
                )
            findings.append(
                new_finding(
                    entity_type,
                    categories.get(entity_type, Category.CONTACT),
                    start - offset,
                    (match.end if identity else to_original_end(match.end)) - offset,
                    match.score if confidence is None else match.score * confidence / TRUSTED,
                    match.recognizer,
                    match.pattern,
                    masked,
                    digest,
                    match.context_words,
                    location,
                    match.subject,
                    match.directory_opt_out,
                    at,
                    paragraph,
                )
            )
        if original_cells or not folded.is_identity:
            # Offsets moved back to each cell's own, or through the folding (one character can
            # fold to two): the text order may have changed. Otherwise it is the matches'.
            findings.sort(key=_text_order)
        if paragraphs and asked:
            return list(with_paragraphs(segment, findings))
        return findings

    def _plain_findings(
        self,
        segment: Segment,
        text: str,
        folded: NormalizedText,
        matches: Sequence[RawMatch],
        place: Callable[[str, int], int] | None,
    ) -> list[Finding]:
        """``scan``'s loop for a segment of one location, every match made a finding (no
        cells, no ``take``): what it asks of each match for a cell or a location asked once,
        and a text file's line and column counted on inline (``TextAt.advance``); a dense
        text's findings are nearly all made here. ``tests/test_engine_plain.py`` holds it to
        the loop of the general case."""
        secret, masks, categories = self.config.secret, self._masks, self._categories
        to_original, to_original_end = folded.to_original, folded.to_original_end
        identity = folded.is_identity
        location = segment.location
        confidence = ocr_confidence(location)
        if confidence is not None and confidence >= TRUSTED:
            confidence = None
        # Each type's values' safe forms (as in ``scan``), and its maker of both
        # (``safe_former``: its style and keyed hashes looked up once, one call a distinct
        # value). By type, then by value: no (type, value) key made for each match (0.03 us).
        safe_forms: dict[str, tuple[dict[str, tuple[str, str]], Callable[[str], tuple[str, str]]]]
        safe_forms = {}
        text_at, original_text = location.text_at, segment.text
        # Where the previous finding starts in the segment's text, its line, and where that
        # line's column 0 is in the text (a column is the offset from it); the text's first
        # character is at the file's ``offset``.
        last_start, at, line, line_before, offset = 0, text_at, 1, -1, 0
        if text_at is not None:
            line, line_before, offset = text_at.line, -text_at.column, text_at.offset
        contact = Category.CONTACT
        findings: list[Finding] = []
        append = findings.append
        # Each TextAt and Finding made here as ``new_text_at`` and ``new_finding`` make them
        # (``dlp.frozen.open_twin``), without the call: 0.05 us a finding of 1.37 (what the
        # loop costs apart from the safe forms, on a dense text).
        new, open_at, open_finding = object.__new__, open_twin(TextAt), open_twin(Finding)
        for match in matches:
            entity_type, start, end = match.entity_type, match.start, match.end
            value = text[start:end]
            of_type = safe_forms.get(entity_type)
            if of_type is None:
                of_type = safe_forms[entity_type] = (
                    {},
                    safe_former(secret, entity_type, masks.get(entity_type, "last4")),
                )
            known, make = of_type
            forms = known.get(value)
            if forms is None:
                forms = known[value] = make(value)
            if not identity:
                start, end = to_original(start), to_original_end(end)
            if text_at is not None:
                # ``TextAt.advance`` from the previous finding (the matches are in the text's
                # order, and so, folding keeping order, are their original offsets)
                if start < last_start:
                    line, line_before, last_start = text_at.line, -text_at.column, 0
                # (the column from where its line starts, the offset from the text's start:
                # not each carried on from the previous finding's)
                newlines = original_text.count("\n", last_start, start)
                if newlines:
                    line += newlines
                    line_before = original_text.rfind("\n", last_start, start)
                last_start = start
                at = new(open_at)
                at.line = line
                at.column = start - line_before
                at.offset = offset + start
                at.__class__ = TextAt
            score = match.score
            made = new(open_finding)
            made.entity_type = entity_type
            made.category = categories.get(entity_type, contact)
            made.start = start
            made.end = end
            made.score = score if confidence is None else score * confidence / TRUSTED
            made.recognizer = match.recognizer
            made.pattern = match.pattern
            made.masked, made.digest = forms
            made.context_words = match.context_words
            made.location = location
            made.subject = match.subject
            made.directory_opt_out = match.directory_opt_out
            made.at = at
            made.paragraph = None if place is None else place(entity_type, start)
            made.__class__ = Finding
            append(made)
        return findings

    def scan_text(self, text: str) -> list[Finding]:
        return self.scan(Segment(text))

    def scan_all(self, segments: Iterable[Segment]) -> list[Finding]:
        return [finding for segment in segments for finding in self.scan(segment)]


# How many windows in a row ``_keep_labelled_cells`` keeps before it keeps the rest unlooked-at.
_KEPT_STREAK = 8
# The context phrases of a text with no context of its own (one set, not one made per text).
_NO_PHRASES: frozenset[int] = frozenset()
# (start, end, entity_type): the tuple made in C, not by a Python call per match.
_text_order = attrgetter("start", "end", "entity_type")


def _paragraph_placing(
    segment: Segment, matches: Sequence[RawMatch], wanted: bool
) -> tuple[Callable[[str, int], int] | None, dict[Location, int] | None]:
    """How ``Scanner.scan`` gives each finding its paragraph, as ``with_paragraphs`` would:
    (None, None) when it gives none (not ``wanted``, or no match of a type that asks for
    paragraphs); else the placing of an offset of the segment's text, and in a packed
    segment where each location's first cell starts (its findings' offsets are the cell's)."""
    if not wanted or not any(m.entity_type in PLACED_ENTITIES for m in matches):
        return None, None
    cells = segment.cells
    return paragraph_of(segment.text), cell_starts(cells) if cells is not None else None


def _check_entity_names(specs: Sequence[EntitySpec], categories: Collection[str]) -> None:
    # A keyword finding's entity type is its category's name: an entity may take one only
    # to report that same category (a term found as a pattern with context words, such as
    # "suspension" next to "student"), never another category's name.
    for spec in specs:
        if spec.entity_type in categories and spec.entity_type != spec.category:
            raise SpecError(
                f"{spec.source}: entity_type {spec.entity_type!r} is another category's name; "
                "give the entity a name of its own, or the category of that name"
            )


def build_scanner(config: DetectionConfig) -> Scanner:
    folders = recognizer_folders(config.recognizers_dir, config.recognizers_overlay)
    folder, overlay = folders[0], config.recognizers_overlay
    categories = load_categories(folders)
    specs = load_entity_specs(
        folder / "entities", categories, overlay / "entities" if overlay else None
    )
    _check_entity_names(specs, categories)
    wanted = config.entities
    pattern_recognizers = [
        DataPatternRecognizer(spec)
        for spec in specs
        if wanted is None or spec.entity_type in wanted
    ]
    terms = load_dictionaries(folders) + merge_extra_terms(config.extra_keywords)
    extra: list[EntityRecognizer] = []
    if config.person_model:
        from dlp.detect.person import build_person_recognizer

        extra.append(build_person_recognizer(config.person_model))
    names = None
    if config.name_lists and not config.person_model and (folder / "names").is_dir():
        names = NameFinder(NameLists.load(folder / "names", overlay / "names" if overlay else None))
    roster = None
    if config.roster_path is not None:
        from dlp.roster.store import RosterStore  # numpy and the kernel: only with a roster

        roster = RosterStore.open(config.roster_path, config.secret).matcher()
        # Its compiled kernel is built (or loaded from numba's cache) with the scanner, once
        # per process, rather than inside the first message's scan time limit.
        roster.warm()
    return Scanner(
        config, pattern_recognizers, KeywordRecognizer(terms), extra, roster, names, categories
    )
