"""One pass that finds dictionary terms and context words together (a Hyperscan database of the
keys when one is compiled and kept on disk, else an Aho-Corasick automaton of the same keys
until a process has read enough text to have the database compiled).

Text, terms and context phrases are all reduced to a "word skeleton": lower case, normalized,
every character other than a letter, a digit or "#" turned into a space (the length and so the
offsets do not change). Automaton keys are " phrase " with a space at each end, and the
skeleton is searched with a space added at each end, so only whole words are ever reported:
"sat" is not found in "Saturday", nor "iep" in "piepan", nor "section 504" in "section 5040".
The words of a phrase may be separated by runs of up to MAX_SEPARATOR_RUN characters (a line
break, a CRLF after a trailing space, a quoted-reply marker): each run length is its own key.

Context phrases are also found glued to the number they label (``SSN536-22-1234``,
``student #3381022``, ``StudentID:4685687``: forms, spreadsheets and above all OCR output drop
the space), and written as one word (``SocialSecurityNumber``). Neither terms nor context
phrases are looked for inside web addresses and e-mail addresses: ``?sid=02/09/12/1234567`` in
a link is no student ID label, nor is ``iep.office@`` an IEP.
"""

from __future__ import annotations

import itertools
import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import ahocorasick
import hyperscan

from dlp.detect import hyperscan_cache
from dlp.detect.hyperscan_cache import DatabaseSpec
from dlp.detect.matches import RawMatch, new_raw_match
from dlp.detect.normalize import CONTROL_BYTES, NormalizedText, normalize

MAX_SEPARATOR_RUN = 4
_MAX_VARIANTS = 4096
KEYWORD_RECOGNIZER = "KeywordRecognizer"

_KEPT = {c for c in range(128) if chr(c).isalnum() or chr(c) == "#"}
_TO_SPACE = bytes.maketrans(
    bytes(c for c in range(128) if c not in _KEPT), b" " * (128 - len(_KEPT))
)
# The skeleton of lower-cased ASCII text, from the text as written: one translate.
_LOWER_SKELETON = bytes(
    ord(chr(c).lower()) if c in _KEPT else 32 if c < 128 else c for c in range(256)
)
# The same with each control character that ``normalize.fold`` takes out a 0x01 (no key holds
# one): a text the skeleton shows it in needs folding (``normalize.needs_folding``), told by a
# look for one byte rather than an encode and a scan of its own (``index`` of school mail not
# folded yet, as ``Scanner.analyze`` gives it: 34.9 -> 32.3 ms for 5 MB).
_LOWER_SKELETON_MARKED = bytes(
    1 if byte in CONTROL_BYTES else target for byte, target in enumerate(_LOWER_SKELETON)
)
_NOT_KEPT = re.compile(r"[^\w#]|_")
# How far to look for the edges of the token around a match (a URL or a path is shorter).
_TOKEN_REACH = 512
_OPENERS = "(<[\"'"
_CLOSERS = ")>]\"';:!?"


# What a key is besides its phrases and terms (the second field of its ``_Value``): a given
# name too, a given name and nothing else (it counts only capitalized), a context phrase glued
# to the number after it (it counts only where a label can start, ``_glued_start``), or that
# and only right after a word. A name is positive, a glued phrase negative: one comparison.
# After a word: "AnaRuizSSN:536...", the phrase, one separator, a digit (at a word's start or
# after a digit other keys find it). Not two separators ("SSN: "): their keys cost Hyperscan
# a tenth more time, for a form rarer in OCR.
_PLAIN, _NAME, _NAME_ONLY, _GLUED, _GLUED_AFTER_WORD = 0, 1, 2, -1, -2
# (length of the phrase or term, its kind, its context phrase ids, its terms as the
# (category, score, text) of their matches: made once, not at each place)
_Value = tuple[int, int, tuple[int, ...], tuple[tuple[str, float, str], ...]]
# A ``_Value`` as the index reads it at each place: with its phrase id when it has only one
# (most keys: appended with no loop), else -1.
_Read = tuple[int, int, tuple[int, ...], tuple[tuple[str, float, str], ...], int]
# The characters either side of a place that settle ``in_address``'s first test at once
# (white space or an opener before, white space or a closer after: a token of its own), with
# one set lookup; any other goes through the whole test (``_own_token``).
_OWN_BEFORE = frozenset(c for c in map(chr, range(256)) if c.isspace() or c in _OPENERS)
_OWN_AFTER = frozenset(c for c in map(chr, range(256)) if c.isspace() or c in _CLOSERS)


def _glued_start(text: str, start: int, after_word: bool) -> bool:
    """Whether a context phrase glued to a number can start at ``text[start]``: at a word's
    start (as before), after a digit (a value and the next label, glued), or where an
    upper-case letter follows a lower-case one (``AnaRuizSSN``: OCR keeps the case of what it
    glues); ``after_word``: only the last."""
    if start == 0:
        return not after_word
    before = text[start - 1]
    # (``not skeleton(before).strip()``, without its calls: the skeleton keeps a character
    # exactly when it is alphanumeric or "#", as ``_TO_SPACE`` and ``_NOT_KEPT`` say)
    if before.isdigit() or not (before.isalnum() or before == "#"):
        return not after_word
    return before.islower() and text[start].isupper()


# Hyperscan reads the skeleton about three times as fast as the Aho-Corasick automaton (9
# against 27 ms for 4 MB of school mail), but compiling its database of the shipped keys costs
# 0.5 s of CPU and lifts the peak resident memory by some 65 MiB: more than a command that
# scans a message ever saves. So the database is kept on disk once compiled
# (``dlp.detect.hyperscan_cache``): an indexer that finds it there reads with it from its first
# text (loading it costs a few milliseconds). Otherwise the automaton reads the first texts,
# and once an indexer has read this many characters (a gateway's worker, a run over a folder)
# a child process compiles the database (a thread waits for it) and it is read from when it is
# ready. Both passes find the same places in the same order (tests/detect/test_text_index).
HYPERSCAN_AFTER = 256_000
# Databases by their keys, the last few: a process builds its scanners again from the same
# recognizers (a reload, the tests).
_DATABASES: dict[tuple[str, ...], hyperscan.Database] = {}
_KEPT_DATABASES = 4
_DATABASES_LOCK = threading.Lock()


def _literal_spec(keys: tuple[str, ...]) -> DatabaseSpec:
    """The literal keys in ASCII, the id of each its place in ``keys``."""
    if all(key.isascii() for key in keys):
        return DatabaseSpec((key.encode("ascii") for key in keys), range(len(keys)), literal=True)
    ids = [index for index, key in enumerate(keys) if key.isascii()]
    return DatabaseSpec((keys[index].encode("ascii") for index in ids), ids, literal=True)


def _literal_database(keys: tuple[str, ...], build: bool = True) -> hyperscan.Database | None:
    """One Hyperscan database of the literal keys in ASCII (``_literal_spec``): remembered in
    this process, else from the cache on disk, else (``build``) compiled by a child process;
    None if it is not compiled."""
    database = _DATABASES.get(keys)
    if database is not None:
        return database
    spec = _literal_spec(keys)
    database = hyperscan_cache.database(spec) if build else hyperscan_cache.cached(spec)
    if database is None:
        return None
    with _DATABASES_LOCK:
        while len(_DATABASES) >= _KEPT_DATABASES:
            del _DATABASES[next(iter(_DATABASES))]
        _DATABASES[keys] = database
    return database


def _token_around(text: str, start: int, end: int) -> str:
    """The run of non-space characters that holds ``text[start:end]``."""
    left, floor = start, max(0, start - _TOKEN_REACH)
    while left > floor and not text[left - 1].isspace():
        left -= 1
    right, ceiling = end, min(len(text), end + _TOKEN_REACH)
    while right < ceiling and not text[right].isspace():
        right += 1
    return text[left:right]


def _same(offset: int) -> int:
    return offset


def _own_token(normalized: str, start: int, end: int) -> bool:
    """Whether ``normalized[start:end]`` is a token of its own, or the end of one: white space
    or an opener before it, white space or a closer after it."""
    before = normalized[start - 1] if start else " "
    after = normalized[end] if end < len(normalized) else " "
    if after in ".," and end + 1 < len(normalized):
        after = normalized[end + 1]  # "...his IEP." ends a sentence, not a domain
    return (before.isspace() or before in _OPENERS) and (after.isspace() or after in _CLOSERS)


def in_address(normalized: str, start: int, end: int) -> bool:
    """Whether ``normalized[start:end]`` lies in a web or e-mail address or a file path.

    Asked only of the places where a term or context phrase was found, not of the whole
    text: finding every address in a text first cost a tenth of the scanner's time. Most
    places are a token of their own, which two character tests settle.
    """
    if _own_token(normalized, start, end):
        return False  # the match is its token (or the end of one): no room for an address
    token = _token_around(normalized, start, end)
    if "://" in token or "www." in token:
        return True
    at = token.find("@")
    if at > 0 and "." in token[at:]:
        return True
    token = token.lstrip(_OPENERS)
    if token.startswith(("/", "~/", "./", "\\\\")) or token[1:3] == ":\\":
        return token.count("/") + token.count("\\") >= 2
    return False


def skeleton(normalized: str) -> str:
    """Letters, digits and "#" stay; everything else becomes a space. Same length."""
    if normalized.isascii():
        return normalized.encode("ascii").translate(_TO_SPACE).decode("ascii")
    return _NOT_KEPT.sub(" ", normalized)


def skeleton_words(phrase: str) -> list[str]:
    return skeleton(normalize(phrase).text).split()


def term_problem(text: str) -> str | None:
    """Why a dictionary term cannot be used as written, or None.

    A word made only of characters the skeleton drops ("§", "&", "-") vanishes from the term:
    "§ 504" would be looked for as "504", in every room number.
    """
    written = normalize(text).text.split()
    if not written:
        return "empty term"
    for word in written:
        if not skeleton(word).strip():
            return (
                f"{word!r} has no letter or digit, so the term would match without it; leave it out"
            )
    return None


def spellings(words: Sequence[str]) -> Iterator[str]:
    """The phrase as a skeleton can show it: 1 to MAX_SEPARATOR_RUN spaces in each gap."""
    gaps = len(words) - 1
    widest = MAX_SEPARATOR_RUN if MAX_SEPARATOR_RUN**gaps <= _MAX_VARIANTS else 2
    for widths in itertools.product(range(1, widest + 1), repeat=gaps):
        yield words[0] + "".join(
            " " * width + word for width, word in zip(widths, words[1:], strict=True)
        )


@dataclass(frozen=True, slots=True)
class Term:
    category: str
    text: str  # as written in the dictionary, normalized: lower case, single spaces
    weight: float
    base_score: float = 0.5

    @property
    def score(self) -> float:
        return min(1.0, self.base_score * self.weight)


@dataclass(slots=True)
class ContextIndex:
    """Where context phrases occur in one text, in original offsets, sorted by start."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    phrases: list[int] = field(default_factory=list)
    # Where a given name occurs (start, end), for the PERSON recognizer (``dlp.detect.names``).
    given_names: list[tuple[int, int]] = field(default_factory=list)

    def near(
        self, start: int, end: int, before: int, after: int, wanted: frozenset[int]
    ) -> list[tuple[int, int, int]]:
        """(phrase id, start, end) of each occurrence of a wanted phrase wholly within
        ``before`` chars before ``start`` or ``after`` chars after ``end``."""
        found: list[tuple[int, int, int]] = []
        index = bisect_left(self.starts, start - before)
        limit = end + after
        starts, ends, phrases = self.starts, self.ends, self.phrases
        while index < len(starts) and starts[index] < limit:
            phrase = phrases[index]
            beside = ends[index] <= start or (starts[index] >= end and ends[index] <= limit)
            if beside and phrase in wanted:
                found.append((phrase, starts[index], ends[index]))
            index += 1
        return found


class TextIndexer:
    """Builds the automaton once; ``index(text)`` makes one pass over a text."""

    def __init__(
        self,
        terms: Iterable[Term],
        context_phrases: Iterable[str],
        given_names: Iterable[str] = (),
        hyperscan_after: int | None = HYPERSCAN_AFTER,
    ) -> None:
        """``given_names``: one-word names whose places the index also records (the PERSON
        recognizer's first pass rides on this one instead of reading the text again).
        ``hyperscan_after``: how many characters to read with the automaton before the
        Hyperscan database is compiled (by a child process a thread waits for), unless the
        cache holds it; 0: compiled now; None: never (the reference the Hyperscan pass is
        held to in the tests)."""
        self.terms = tuple(terms)
        phrases = sorted({" ".join(skeleton_words(p)) for p in context_phrases} - {""})
        self.phrases: tuple[str, ...] = tuple(phrases)
        self._phrase_ids = {phrase: index for index, phrase in enumerate(phrases)}
        self._wanted: dict[tuple[str, ...], frozenset[int]] = {}
        keys: dict[str, tuple[list[Term], list[int]]] = {}
        seen: set[tuple[str, str]] = set()
        for term in self.terms:
            words = skeleton_words(term.text)
            if not words or (term.category, term.text) in seen:
                continue
            seen.add((term.category, term.text))
            for spelling in spellings(words):
                keys.setdefault(spelling, ([], []))[0].append(term)
        for index, phrase in enumerate(phrases):
            words = phrase.split()
            variants = [*spellings(words), "".join(words)] if len(words) > 1 else words
            for spelling in variants:
                entry = keys.setdefault(spelling, ([], []))
                if index not in entry[1]:
                    entry[1].append(index)
        names = {word for name in given_names for word in skeleton_words(name)[:1]}
        for name in names:
            keys.setdefault(name, ([], []))
        values: dict[str, _Value] = {
            f" {spelling} ": (
                len(spelling),
                (_NAME_ONLY if not key_terms and not key_phrases else _NAME)
                if spelling in names
                else _PLAIN,
                tuple(key_phrases),
                tuple((term.category, term.score, term.text) for term in key_terms),
            )
            for spelling, (key_terms, key_phrases) in keys.items()
        }
        # A context phrase glued to the number it labels: one key per digit that can follow,
        # so that the automaton reports it only then (a key without the digit would fire on
        # every "sides", "posted" and "telling" for "sid", "po" and "tel").
        glued: dict[str, list[int]] = {}
        for index, phrase in enumerate(phrases):
            words = phrase.split()
            for spelling in {" ".join(words), "".join(words)}:
                glued.setdefault(spelling, []).append(index)
        # The key has no pad in front: OCR also glues the label to what comes before it
        # ("...68147237SocSecNo.", "AnaRuizSSN536221234"). Such a place counts only where a
        # label can start (``_glued_start``), not inside a word ("pilot5", "Austin2024"). A
        # label glued after a number and followed by punctuation has keys of its own: the
        # digit before, the phrase, a space.
        # Phrases of two letters ("mr", "ss") keep the pad: too common inside words, and keys
        # of three bytes slow Hyperscan down.
        for spelling, glued_phrases in glued.items():
            value: _Value = (len(spelling), _GLUED, tuple(glued_phrases), ())
            short = len(spelling) < 3
            for digit in "0123456789":
                values[f" {spelling}{digit}" if short else f"{spelling}{digit}"] = value
                if short:
                    # After a number ("...884SS:479...", "SS#"): the digit before keeps the
                    # key from every word that ends in the two letters.
                    values.setdefault(f"{digit}{spelling} ", value)
                    for following in "0123456789":
                        values.setdefault(f"{digit}{spelling}{following}", value)
                    continue
                if " " not in spelling:
                    values.setdefault(f"{digit}{spelling} ", value)
                # The key's length takes in the separator: the phrase ends at the number.
                after_word: _Value = (len(spelling) + 1, _GLUED_AFTER_WORD, value[2], ())
                values.setdefault(f"{spelling} {digit}", after_word)
        self._empty = not keys
        # Longest first: a key's number then orders the keys that end at one place as the
        # automaton reports them (``_places``).
        self._keys = tuple(sorted(values, key=lambda key: (-len(key), key)))
        self._values: tuple[_Read, ...] = tuple(
            (*value, value[2][0] if len(value[2]) == 1 else -1)
            for value in map(values.__getitem__, self._keys)
        )
        # Built when a text first needs it (``automaton``): with the Hyperscan database in the
        # cache, most processes never do (building it cost 0.02 to 0.07 s and some 5 MiB).
        self._automaton: ahocorasick.Automaton | None = None
        self._automaton_lock = threading.Lock()
        # Keys outside ASCII (a district's terms in another script) can only be in a text
        # outside ASCII; such a text goes through the automaton (Hyperscan reads bytes).
        self._all_ascii = all(key.isascii() for key in self._keys)
        if not any(key.isascii() for key in self._keys):
            hyperscan_after = None
        self._hyperscan_after = hyperscan_after
        self._read = 0
        self._compiling = False
        self._database: hyperscan.Database | None = None
        if hyperscan_after is not None:
            self._database = _literal_database(self._keys, build=hyperscan_after <= 0)

    def automaton(self) -> ahocorasick.Automaton:
        """The Aho-Corasick automaton of the keys (key number as value), built on first use."""
        automaton = self._automaton
        if automaton is None:
            with self._automaton_lock:
                automaton = self._automaton
                if automaton is None:
                    automaton = ahocorasick.Automaton()
                    for number, key in enumerate(self._keys):
                        automaton.add_word(key, number)
                    automaton.make_automaton()
                    self._automaton = automaton
        return automaton

    @property
    def reads_with_hyperscan(self) -> bool:
        """Whether the Hyperscan database is ready (texts in ASCII are read with it)."""
        return self._database is not None

    def _count_read(self, size: int) -> None:
        after = self._hyperscan_after
        if after is None or self._compiling:
            return
        self._read += size
        if self._read >= after:
            self._compiling = True
            threading.Thread(target=self._compile, name="text-index", daemon=True).start()

    def _compile(self) -> None:
        # In a thread: it only waits for the child process that compiles (or the file).
        self._database = _literal_database(self._keys)

    def phrase_ids(self, phrases: tuple[str, ...]) -> frozenset[int]:
        cached = self._wanted.get(phrases)
        if cached is None:
            ids = (self._phrase_ids.get(" ".join(skeleton_words(p))) for p in phrases)
            cached = self._wanted[phrases] = frozenset(i for i in ids if i is not None)
        return cached

    def index(
        self, text: str, folded: bool = False, ascii_bytes: bytes | None = None
    ) -> tuple[list[RawMatch], ContextIndex]:
        """Dictionary matches and the context index of ``text`` (``folded``: it is
        ``normalize.fold``'s output already, as the scanner passes it; ``ascii_bytes``:
        ``text`` encoded, when the caller has it: an ASCII text)."""
        matches: list[RawMatch] = []
        context = ContextIndex([], [], [], [])  # (its lists given: no default factories)
        if self._empty or not text:
            return matches, context
        database = self._database
        if database is None:
            self._count_read(len(text))
        places: list[int] | None = None
        if ascii_bytes is not None and database is not None:
            lowered_skeleton = ascii_bytes.translate(
                _LOWER_SKELETON if folded else _LOWER_SKELETON_MARKED
            )
            if folded or b"\x01" not in lowered_skeleton:  # (else: it needs folding)
                # (padded by one format: ``+`` twice copies the text twice)
                places = self._scan(database, b" %b " % lowered_skeleton)
        if places is not None:
            # ASCII text with nothing to fold (most of it): the bytes Hyperscan reads are its,
            # lower-cased and reduced to the skeleton by one translate; the lower-cased text
            # is made only if a place needs the address test.
            normalized: NormalizedText | None = None
            lowered = text  # read only for spaces and punctuation, which have no case
            identity = True
            to_original: Callable[[int], int] = _same
            to_original_end: Callable[[int], int] = _same
        else:
            normalized = normalize(text, folded)
            lowered = normalized.text
            places = self._places(lowered, database)
            # Most text is ASCII: its offsets are the text's own, no map to go through.
            identity = normalized.is_identity
            to_original, to_original_end = normalized.to_original, normalized.to_original_end
        # The characters either side of a place, read with no test for the text's edges:
        # ``bounded[found_at]`` is the one before it, ``bounded[end + 1]`` the one after.
        bounded = f" {lowered} "
        # Bound once: thousands of places a text, each appended to three lists.
        add_start, add_end = context.starts.append, context.ends.append
        add_phrase, add_name = context.phrases.append, context.given_names.append
        values, count = self._values, len(self._values)
        add_match, new, recognizer = matches.append, new_raw_match, KEYWORD_RECOGNIZER
        own_before, own_after = _OWN_BEFORE, _OWN_AFTER
        for code in places:
            length, kind, phrases, terms, lone = values[code % count]
            # The key ends at the trailing pad space (or the digit after a glued phrase):
            # [end - length, end) in normalized text.
            end = code // count - 2
            found_at = end - length
            start = found_at if identity else to_original(found_at)
            if kind:  # (most places are a plain phrase's or term's: one test)
                if kind == _NAME_ONLY and not text[start].isupper():
                    continue  # only a capitalized given name can start a name
                if kind == _GLUED_AFTER_WORD and not (start and text[start - 1].islower()):
                    # ``_glued_start``'s answer, without its call: most of these places are a
                    # label after a space ("DOB 01/02"), found by its padded key. (A glued
                    # key ends at a digit, or starts right after one: never a token of its
                    # own, so the test below would not have spared it.)
                    continue
            # Most places are a token of their own: two set lookups settle it.
            if (
                bounded[found_at] not in own_before or bounded[end + 1] not in own_after
            ) and not _own_token(lowered, found_at, end):
                if kind < 0 and not _glued_start(text, start, kind == _GLUED_AFTER_WORD):
                    continue
                if normalized is None:
                    normalized = normalize(text, folded)
                if in_address(normalized.text, found_at, end):
                    continue
                if kind < 0 and start and text[start - 1].isdigit():
                    # A label glued after a number labels what follows, never that number
                    # ("StudentNo278862917SSNo.613..."): its span takes in the number's last
                    # digit, so that it is not after the number (context after a match
                    # starts at its end).
                    start -= 1
            original_end = end if identity else to_original_end(end)
            if lone >= 0:  # (most keys are one phrase's: no loop)
                add_start(start)
                add_end(original_end)
                add_phrase(lone)
            else:
                for phrase in phrases:
                    add_start(start)
                    add_end(original_end)
                    add_phrase(phrase)
            if terms:
                # (``new_raw_match``, not ``RawMatch(...)``: 0.27 against 0.45 us a match, and
                # a text dense with IEP terms makes one at each of its places)
                for category, score, term_text in terms:
                    add_match(new(category, start, original_end, score, recognizer, term_text))
            if kind > 0:
                add_name((start, original_end))
        # Out of order only where a glued phrase ends before a longer key that started first:
        # checked by a sort in C (a sorted list is one pass), not a step per place in Python.
        if context.starts and context.starts != sorted(context.starts):
            order = sorted(range(len(context.starts)), key=context.starts.__getitem__)
            context.starts = [context.starts[i] for i in order]
            context.ends = [context.ends[i] for i in order]
            context.phrases = [context.phrases[i] for i in order]
        return matches, context

    def _places(self, lowered: str, database: hyperscan.Database | None) -> list[int]:
        """Every key in the padded skeleton of ``lowered``, as ``end * len(keys) + key``
        (``end``: in the padded skeleton, after the key), in the order the Aho-Corasick
        automaton reports them: by end, then the longest first (key numbers go from the
        longest key)."""
        if database is not None and lowered.isascii():
            return self._scan(database, b" " + lowered.encode("ascii").translate(_TO_SPACE) + b" ")
        padded = f" {skeleton(lowered)} "
        if database is not None and self._all_ascii:
            # A character outside ASCII is one "?" byte (the skeleton has no "?", no key
            # one): offsets stay the text's.
            return self._scan(database, padded.encode("ascii", "replace"))
        count = len(self._keys)
        return [(last + 1) * count + key for last, key in self.automaton().iter(padded)]

    def _scan(self, database: hyperscan.Database, data: bytes) -> list[int]:
        """``_places`` of a padded skeleton as bytes, by Hyperscan."""
        found: list[int] = []

        # (what it reads bound as defaults, not closed over: no cells made per text)
        def on_match(
            key: int,
            _from: int,
            to: int,
            _flags: int,
            _context: object,
            add: Callable[[int], None] = found.append,
            count: int = len(self._keys),
        ) -> None:
            add(to * count + key)

        database.scan(data, match_event_handler=on_match)
        # Hyperscan's order among the keys ending at one place is its own: one sort gives
        # the automaton's.
        found.sort()
        return found

    def phrases_in(self, text: str) -> set[int]:
        """Context phrase ids anywhere in ``text`` (a segment's own context)."""
        return set(self.index(text)[1].phrases) if text else set()
