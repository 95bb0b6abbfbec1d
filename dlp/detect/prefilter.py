"""One Hyperscan pass over the whole text picks the windows where each regex can match.

Every pattern of every pattern recognizer is compiled into one Hyperscan database in
prefilter mode (``HS_FLAG_PREFILTER``), and the patterns that count without context words into
a second one, scanned instead when a text has no context word for any other pattern (see
``Prefilter``). Hyperscan then matches a superset of what the Python
regex matches (lookarounds and back-references are relaxed) and reports the end offset of every
such match. Around each end offset ``e`` of pattern P, the window ``[e - W, e + R]`` holds any
real match of P ending at ``e`` (W is P's maximum match length, which the loader requires to be
bounded; R how far past a match's end P's lookaheads and end anchors can read,
``dlp.detect.prefilter_regex.lookahead_reach``, or PAD when that has no bound). Hyperscan is
not always given P itself (``dlp.detect.prefilter_regex.hyperscan_form``): some forms report a
match's end one character late (their slack), and the window then starts that much earlier;
patterns given the same form (those that end a run of digits) share one Hyperscan id and its
ends. Overlapping windows are merged, and a window's end is moved to white
space so that cutting the text there cannot change what a lookahead sees. The Python regex then
runs only inside the windows with ``finditer(text, start, end)``; since every real match ends
where (or just before) the prefilter reported an end, the windows find exactly the matches a
whole-text scan finds (the Hypothesis tests in ``tests/detect/test_equivalence.py`` and
``tests/detect/test_prefilter_regex.py`` check this).

Hyperscan works on bytes: non-ASCII characters are given to it as ``?``, one byte each, so byte
offsets are character offsets. The Python patterns are compiled with ``re.ASCII``, so they never
treat a non-ASCII character as a digit, letter or space either.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import hyperscan

from dlp.detect import hyperscan_cache
from dlp.detect.hyperscan_cache import DatabaseSpec
from dlp.detect.prefilter_regex import (
    BARRIERS,
    DIGIT_RUN,
    DIGIT_RUN_END,
    digit_run,
    digit_run_most,
    hyperscan_form,
    lineless,
    lookahead_reach,
    spaceless,
)
from dlp.detect.specs import SpecError

# How far past an end a window reaches for a pattern whose lookaheads have no bound (the
# others reach as far as theirs read: two characters for most, 65 for a password's).
PAD = 80
_SNAP_LIMIT = 256
_WHITESPACE = re.compile(r"\s")
# Every character ``_WHITESPACE`` matches (``str.isspace``'s; ``tests/detect`` checks them all,
# as reading every code point here would cost each process's import): a window's end is most
# often white space already (a packed cell's value is followed by a line break), told by a set
# look-up rather than a search.
_SPACES = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_DIGITS = frozenset("0123456789")
_ASCII_DIGITS = "0123456789"
# The barriers, unpacked: ``_merge`` looks each up at every candidate end of a spaceless pattern.
_SPACE, _NEWLINE = BARRIERS
MAX_PATTERN_WIDTH = 2048


@dataclass(frozen=True, slots=True)
class PatternRef:
    recognizer_index: int
    pattern_index: int
    width: int  # maximum match length


def pattern_width(regex: str, flags: int) -> int:
    """Maximum length of a match, or an error if the pattern is unbounded."""
    import re._parser as sre_parse  # the stdlib's own parser: the only exact answer

    _, maximum = sre_parse.parse(regex, flags).getwidth()
    if maximum > MAX_PATTERN_WIDTH:
        raise SpecError(
            f"pattern {regex!r} can match more than {MAX_PATTERN_WIDTH} characters: "
            "bound its repetitions ({m,n} instead of * or +)"
        )
    return int(maximum)


class Prefilter:
    def __init__(
        self,
        patterns: Sequence[tuple[str, int, PatternRef]],
        core: Collection[int] | None = None,
    ) -> None:
        """``patterns``: (regex, python re flags, reference) for every pattern to prefilter.

        ``core``: pattern ids that a caller often needs alone. They get a database of their
        own besides the one of all patterns, so that in a text where the caller knows no other
        pattern can count (those that need context words, in a text with none), the others
        are not scanned for: in digit-heavy text they report an end at almost every digit.
        One database of everything is scanned otherwise (one pass costs less than two).
        """
        self.refs: tuple[PatternRef, ...] = tuple(ref for _, _, ref in patterns)
        # Patterns that never match a space or a line break: a window starts no further back
        # than the run of non-space characters its end is in (``dlp.detect.prefilter_regex``).
        self._spaceless = tuple(spaceless(regex, flags) for regex, flags, _ in patterns)
        # Patterns that never match a line break (but may a space): a window starts no further
        # back than the line its end is on (a formatted phone number's, in a packed sheet whose
        # cells are lines apart: half of its window was the cells before it).
        self._lineless = tuple(
            not no_space and lineless(regex, flags)
            for no_space, (regex, flags, _) in zip(self._spaceless, patterns, strict=True)
        )
        # What Hyperscan is given for each pattern. Patterns given the same expression share
        # one Hyperscan id (its ends are theirs), so that it is matched and reported once.
        forms = [_form(regex, flags) for regex, flags, _ in patterns]
        unique: dict[tuple[str, int], int] = {}
        shared = [
            unique.setdefault((expression, flags), len(unique)) for expression, flags, _ in forms
        ]
        groups: list[list[int]] = [[] for _ in unique]
        for pattern_id, hyperscan_id in enumerate(shared):
            groups[hyperscan_id].append(pattern_id)
        self._groups: tuple[tuple[int, ...], ...] = tuple(map(tuple, groups))
        # The id of DIGIT_RUN_END, whose reports ``ends`` turns into the runs' own ends.
        self._run_id = unique.get((DIGIT_RUN_END, 0), -1)
        # How far the real end of a match may lie after the offset ``ends`` gives for it, by
        # Hyperscan id and by pattern (see ``ends``).
        self._late = tuple(
            0 if hyperscan_id == self._run_id else forms[group[0]][2]
            for hyperscan_id, group in enumerate(groups)
        )
        self._slack = tuple(self._late[hyperscan_id] for hyperscan_id in shared)
        # How far past a reported end a window must reach: the slack, then as far as the
        # pattern's lookaheads read. (A fixed 80 characters made the Python regexes try five
        # times as many places: a fifth of their time in school mail, a quarter in dense text.)
        self._reach = tuple(
            slack + (PAD if reach is None else reach)
            for slack, reach in zip(
                self._slack,
                (lookahead_reach(regex, flags) for regex, flags, _ in patterns),
                strict=True,
            )
        )
        # The digits a pattern given DIGIT_RUN_END ends with: shorter runs are passed over.
        self._run_digits = tuple(
            digit_run(regex, flags) if shared[i] == self._run_id else 0
            for i, (regex, flags, _) in enumerate(patterns)
        )
        # The most digits a match of such a pattern can be (0: not bounded so): longer runs
        # are passed over too (``digit_run_most``).
        self._run_most = tuple(
            digit_run_most(regex, flags) if digits else 0
            for digits, (regex, flags, _) in zip(self._run_digits, patterns, strict=True)
        )
        # How far back ``_run_lengths`` counts a run's digits: far enough to settle every
        # pattern's ``_fitting_runs`` (its digits, and one past its most).
        self._run_reach = max(
            (
                max(digits, most + 1)
                for digits, most in zip(self._run_digits, self._run_most, strict=True)
            ),
            default=0,
        )
        expressions = list(unique)
        self._all: hyperscan.Database | None = None
        self._core: hyperscan.Database | None = None
        self._core_ids: frozenset[int] = frozenset(core or ())
        self._by_wanted: dict[
            frozenset[int] | None, tuple[tuple[tuple[int, int, int, bool, int, bool], ...], ...]
        ] = {}
        if not patterns:
            return
        self._all = _compile(expressions, range(len(expressions)))
        if self._core_ids and len(self._core_ids) < len(patterns):
            ids = sorted({shared[i] for i in self._core_ids})
            self._core = _compile([expressions[i] for i in ids], ids)

    def ends(
        self, text: str, wanted: frozenset[int] | None = None, ascii_bytes: bytes | None = None
    ) -> dict[int, list[int]]:
        """For each pattern id with candidates, every end offset Hyperscan reports for it, in
        order; with ``wanted``, only for those pattern ids (the core database alone when they
        are all in it). ``ascii_bytes``: ``text`` encoded, when the caller has it (an ASCII
        text). A non-ASCII character is one "?" byte, so offsets are characters.

        A form that reports a match's end up to its slack late (``hyperscan_form``) has its
        offsets moved back by the slack: the real end lies at the offset or up to the slack
        after it, and the offset is still inside a match (which is never shorter than the
        slack) or at its end. The end of a digit run is given exactly."""
        groups = self._groups
        moved = {
            shared_id: self._moved(shared_id, found, text)
            for shared_id, found in self._reported(text, wanted, ascii_bytes).items()
        }
        return {
            pattern_id: found
            for shared_id, found in moved.items()
            for pattern_id in groups[shared_id]
            if wanted is None or pattern_id in wanted
        }

    def _reported(
        self, text: str, wanted: frozenset[int] | None, ascii_bytes: bytes | None
    ) -> dict[int, list[int]]:
        """The ends Hyperscan reports, by Hyperscan id (patterns given one form share it),
        in the order it first reported each, as it reports them (``_moved`` makes them
        ``ends``'s)."""
        if self._all is None or not text or (wanted is not None and not wanted):
            return {}
        database = self._all
        if self._core is not None and wanted is not None and wanted <= self._core_ids:
            database = self._core
        data = ascii_bytes
        if data is None:
            data = text.encode("ascii") if text.isascii() else text.encode("ascii", "replace")
        ends: defaultdict[int, list[int]] = defaultdict(list)

        # (the dict bound as a default, not closed over: no cell made per text)
        def on_match(
            shared_id: int,
            _from: int,
            to: int,
            _flags: int,
            _context: object,
            ends: defaultdict[int, list[int]] = ends,
        ) -> None:
            ends[shared_id].append(to)

        database.scan(data, match_event_handler=on_match)
        return ends

    def _moved(self, shared_id: int, found: list[int], text: str) -> list[int]:
        """One Hyperscan id's reported ends as ``ends`` gives them: a digit run's its own
        end, a late form's moved back by its slack."""
        if shared_id == self._run_id:
            return _run_ends(text, found)
        late = self._late[shared_id]
        return [end - late for end in found] if late else found

    def _plans(
        self, wanted: frozenset[int] | None
    ) -> tuple[tuple[tuple[int, int, int, bool, int, bool], ...], ...]:
        """For each Hyperscan id, what ``windows`` needs of each wanted pattern given it, in
        the order of its group: (pattern id, digit count, width, spaceless, reach, lineless).
        Made once per set of wanted patterns (a scanner asks for a few), not looked up
        pattern by pattern in each text (the digit-run id stands for seven patterns)."""
        plans = self._by_wanted.get(wanted)
        if plans is None:
            plans = tuple(
                tuple(
                    (
                        pattern_id,
                        self._run_digits[pattern_id],
                        self.refs[pattern_id].width,
                        self._spaceless[pattern_id],
                        self._reach[pattern_id],
                        self._lineless[pattern_id],
                    )
                    for pattern_id in group
                    if wanted is None or pattern_id in wanted
                )
                for group in self._groups
            )
            if len(self._by_wanted) >= 4096:
                self._by_wanted.clear()
            self._by_wanted[wanted] = plans
        return plans

    def windows(
        self, text: str, wanted: frozenset[int] | None = None, ascii_bytes: bytes | None = None
    ) -> dict[int, list[tuple[int, int]]]:
        """For each pattern id with candidates, the merged windows to run its regex in (see
        `ends` for ``wanted`` and ``ascii_bytes``)."""
        length = len(text)
        windows = {}
        plans = self._plans(wanted)
        for shared_id, reported in self._reported(text, wanted, ascii_bytes).items():
            plan = plans[shared_id]
            if not plan:
                continue  # (an id of the database none of whose patterns is wanted)
            # Patterns that share a Hyperscan id share its ends: sorted once, and the runs long
            # enough for a digit count kept once, for all of them (a text dense with numbers
            # gives the digit-run patterns thousands of ends each).
            found = self._moved(shared_id, reported, text)
            found.sort()
            long_enough: dict[tuple[int, int], list[int]] = {}
            lengths: list[int] | None = None
            plain = False
            for pattern_id, digits, width, no_space, reach, no_line in plan:
                hit_ends = found
                most = self._run_most[pattern_id] if digits else 0
                if digits > DIGIT_RUN or most:
                    runs = long_enough.get((digits, most))
                    if runs is None:
                        if lengths is None:
                            lengths = _run_lengths(found, text, self._run_reach)
                            plain = ascii_bytes is not None or text.isascii()
                        runs = long_enough[digits, most] = _fitting_runs(
                            found, lengths, text, digits if digits > DIGIT_RUN else 0, most, plain
                        )
                    if not runs:
                        continue
                    hit_ends = runs
                windows[pattern_id] = _merge(
                    hit_ends, width, text, length, no_space, reach, no_line
                )
        return windows


def _run_lengths(ends: list[int], text: str, reach: int) -> list[int]:
    """How many ASCII digits end at each end, counted up to ``reach`` back: what
    ``_fitting_runs`` reads of a run, found once for every pattern of the digit-run id (a
    sheet's ten-digit IDs had the phone, the state and the local ID patterns each slice and
    test every run again)."""
    lengths: list[int] = []
    append = lengths.append
    for end in ends:
        run = text[end - reach if end > reach else 0 : end]
        append(len(run) - len(run.rstrip(_ASCII_DIGITS)))
    return lengths


def _fitting_runs(
    ends: list[int], lengths: list[int], text: str, fewest: int, most: int, ascii: bool = False
) -> list[int]:
    """The ends of the runs of digits that hold at least ``fewest`` (0: any) and at most
    ``most`` (0: any) ASCII digits, from the runs' ``lengths`` (``_run_lengths``, counted far
    enough for both). (``isdigit`` holds for more than ASCII digits: a run it keeps is looked
    at, one it would pass over as too long is checked to be ASCII. So a run of fewer ASCII
    digits than ``fewest`` is still kept when ``isdigit`` holds for the ``fewest`` characters
    before its end, which only a non-ASCII character before its ASCII digits can make so.)

    ``ascii``: ``text`` is ASCII, so no such character is in it and no run is looked at
    again (a call of ``_digits_before`` for each run too short: in a text dense with numbers
    most runs are too short for the ten-digit patterns, and those calls were four fifths of
    this function's time)."""
    if ascii and fewest:
        if most:
            return [
                end for end, length in zip(ends, lengths, strict=True) if fewest <= length <= most
            ]
        return [end for end, length in zip(ends, lengths, strict=True) if length >= fewest]
    if fewest and most:
        return [
            end
            for end, length in zip(ends, lengths, strict=True)
            if length <= most and (length >= fewest or _digits_before(text, end, length, fewest))
        ]
    if fewest:
        return [
            end
            for end, length in zip(ends, lengths, strict=True)
            if length >= fewest or _digits_before(text, end, length, fewest)
        ]
    if most:
        return [end for end, length in zip(ends, lengths, strict=True) if length <= most]
    return ends


def _digits_before(text: str, end: int, length: int, fewest: int) -> bool:
    """For a run of ``length`` ASCII digits (fewer than ``fewest``) ending at ``end``: whether
    ``isdigit`` holds for the ``fewest`` characters before ``end`` all the same."""
    return (
        length < end
        and not text[end - length - 1].isascii()
        and end >= fewest
        and text[end - fewest : end].isdigit()
    )


def _run_ends(text: str, reported: list[int]) -> list[int]:
    """Where the runs of digits DIGIT_RUN_END reported end: a character before the reported
    end (the non-digit it consumed), unless the text ends in the run."""
    return [end if text[end - 1] in _DIGITS else end - 1 for end in reported]


def compile_database(patterns: Sequence[tuple[str, int]], ids: Sequence[int]) -> hyperscan.Database:
    """One Hyperscan database, in prefilter mode, of (regex, python re flags) patterns, each
    in the form ``hyperscan_form`` gives it."""
    return _compile([_form(regex, flags)[:2] for regex, flags in patterns], ids)


def _form(regex: str, flags: int) -> tuple[str, int, int]:
    """(expression, python re flags it is read with, slack) for one pattern."""
    expression, slack = hyperscan_form(regex, flags)
    # The shared end of a digit run reads the same under any flags: one expression for all.
    return expression, 0 if expression == DIGIT_RUN_END else flags, slack


def _compile(patterns: Sequence[tuple[str, int]], ids: Sequence[int]) -> hyperscan.Database:
    """One Hyperscan database, in prefilter mode, of (expression, python re flags) pairs."""
    expressions, flags = [], []
    for expression, re_flags in patterns:
        hs_flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
        if re_flags & re.IGNORECASE:
            hs_flags |= hyperscan.HS_FLAG_CASELESS
        if re_flags & re.DOTALL:
            hs_flags |= hyperscan.HS_FLAG_DOTALL
        if re_flags & re.MULTILINE:
            hs_flags |= hyperscan.HS_FLAG_MULTILINE
        expressions.append(expression.encode("ascii"))
        flags.append(hs_flags)
    # Kept compiled on disk (compiling costs every process half a second of CPU and ~10 MiB of
    # resident memory it does not give back).
    try:
        return hyperscan_cache.database(DatabaseSpec(expressions, ids, flags))
    except hyperscan.error as error:
        raise SpecError(f"a pattern cannot be compiled for the prefilter: {error}") from None


def _merge(
    ends: list[int],
    width: int,
    text: str,
    length: int,
    spaceless: bool = False,
    reach: int = PAD,
    lineless: bool = False,
) -> list[tuple[int, int]]:
    """Windows around the ends (sorted) ``Prefilter.ends`` gives; a real match is at most
    ``width`` long and ends at one or after it, and what it (with its lookaheads) reads ends
    at most ``reach`` characters after it. ``spaceless``: no match holds a space or a line
    break; ``lineless``: none holds a line break (``dlp.detect.prefilter_regex``).

    An end inside the current window only stretches it; one past it opens a window of its
    own unless its start reaches back into the current one. A window's end is moved to the
    first white space at or after where it must reach (at most ``_SNAP_LIMIT`` further), so
    that cutting the text there cannot change what a lookahead sees. One loop with no calls
    but the two searches: a text dense with numbers has thousands of ends
    (``tests/detect/test_prefilter`` holds it to the form with a call per step)."""
    windows: list[tuple[int, int]] = []
    append, search, rfind = windows.append, _WHITESPACE.search, text.rfind
    current_start = current_end = -1  # no window yet: every start lies past it
    for end in ends:
        stop = end + reach
        if end > current_end:
            start = end - width if end > width else 0
            # (a barrier found lies at or after ``start``: one past it is always later)
            if spaceless:
                # No match holds a barrier: one ending here starts after the last before it.
                after = rfind(_SPACE, start, end) + 1
                if after:
                    start = after
                after = rfind(_NEWLINE, start, end) + 1
                if after:
                    start = after
            elif lineless:
                after = rfind(_NEWLINE, start, end) + 1
                if after:
                    start = after
            if start > current_end:
                if current_end >= 0:
                    append((current_start, current_end))
                current_start = start
        elif stop <= current_end:
            continue  # (inside the current window, whatever its start: never after it)
        # The window now reaches ``stop``, moved on to white space. (The search is given no
        # end short of the text's, which it stops at by itself: the limit is worked out only
        # when it finds none. With the tests made once per window above: 614 -> 592 ns an end
        # in dense text, 292 -> 286 in sheets.)
        if stop >= length:
            current_end = length
        elif text[stop] in _SPACES:
            current_end = stop
        else:
            space = search(text, stop, stop + _SNAP_LIMIT)
            if space is not None:
                current_end = space.start()
            else:
                current_end = stop + _SNAP_LIMIT if stop + _SNAP_LIMIT < length else length
    if current_end >= 0:
        append((current_start, current_end))
    return windows
