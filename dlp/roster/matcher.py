"""Find roster people in text: fingerprint every token with numpy, HMAC-verify the few hits.

Per chunk of text: (1) a 24-bit keyed fingerprint of every token's first eight folded bytes,
looked up in a 2**24-entry bitmap of the roster's tokens; (2) runs of adjacent surviving tokens
(at most `MAX_GAP` characters apart) get whole-token hashes and a 24-bit fingerprint per
candidate sequence length; (3) sequences whose fingerprint is the roster's are normalized in
Python and HMAC-ed, and only an HMAC found among the roster's forms is a match.

A scanner calls `find` once per segment, most of them a few kilobytes, so the fixed cost of
each numpy call counts as much as the per-character work: stages (2) and (3) take every
sequence length in one pass, and texts up to `SHORT_TEXT_CHARS` are fingerprinted in plain
Python with the same hashes. With numba installed, `kernel` does stages (1) and (2) for every
text in one compiled pass instead (property tests hold the three paths to the same results).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from dlp.roster import kernel
from dlp.roster.addresses import ADDRESS_PURPOSE
from dlp.roster.dates import dates_in
from dlp.roster.families import Families
from dlp.roster.fingerprint import (
    FP_BITS,
    MAX_GAP,
    FingerprintKeys,
    fingerprint_words,
    fold,
    folded_code_table,
    is_weak,
    prefix_words,
    run_hashes,
    sequence_hash,
    token_hashes,
    token_values,
    tokenize,
    weak_words,
)
from dlp.roster.forms import MIN_SINGLE_TOKEN_CHARS, Field
from dlp.roster.people import Role
from dlp.roster.secret import RosterKeys
from dlp.roster.tables import RosterTables, split_mac
from dlp.roster.text import normalize_token, split_tokens

CHUNK_CHARS = 1 << 17  # keeps every per-chunk array inside the CPU cache
OVERLAP_CHARS = 1024  # a form starting before a chunk's end is read from the overlap
DOB_WINDOW_CHARS = 80  # how far from a name a birth date still confirms it
VERIFIED_CACHE_SIZE = 1 << 16
DESCRIBED_CACHE_SIZE = 1 << 14  # forms and people described (no clear value: indices, digests)
EXACT_RUNS_ABOVE = 1000  # candidates in a chunk above which the longest run is worth measuring
SHORT_TEXT_CHARS = 512  # up to this, tokens are fingerprinted in Python (see `_scan_short`)
TOKEN_CACHE_SIZE = 1 << 16
# ID-shaped values from scanned text -> their roster ID matches: the scanner checks each
# pattern ID twice (its role, then any role). In memory only, bounded; never written or logged.
ID_CACHE_SIZE = 1 << 14
# Shared names' groups remembered for the decision; past this (never in a real roster) a group
# is not remembered and its name stays unresolved (today's rules).
GROUP_MEMBERS_SIZE = 1 << 18
FORM_KEY_BITS = 24  # a bitmap over the forms' key tops answers most `_lookup` misses at once
_CODE_TOKEN = re.compile(rb"[^\x00]+")  # a token in folded code bytes
_M64 = (1 << 64) - 1

ENTITY_TYPES: dict[tuple[Role, str], str] = {
    (Role.STUDENT, "id"): "ROSTER_STUDENT_ID",
    (Role.STUDENT, "name"): "ROSTER_STUDENT_NAME",
    (Role.STAFF, "id"): "ROSTER_STAFF_ID",
    (Role.STAFF, "name"): "ROSTER_STAFF_NAME",
    (Role.GUARDIAN, "name"): "ROSTER_GUARDIAN_NAME",
    (Role.GUARDIAN, "contact"): "ROSTER_GUARDIAN_CONTACT",
}

SCORE_ID = 0.85
SCORE_NAME = 0.85
SCORE_PREFERRED_NAME = 0.75
SCORE_SHARED_NAME = 0.7  # several roster people carry this name
SCORE_GUARDIAN_NAME = 0.6
SCORE_GUARDIAN_CONTACT = 0.7
SCORE_CONFIRMED_BY_DOB = 1.0


@dataclass(frozen=True, slots=True)
class RosterMatch:
    """A roster person found in text; offsets are into the caller's text."""

    start: int
    end: int
    entity_type: str
    subject: str  # keyed digest of the person, the same in every finding about them
    score: float
    confirmed_by_dob: bool
    directory_opt_out: bool
    kind: str  # "id" | "name" | "contact"
    field: str  # "local_id", "state_id", "name", "preferred_name", "email", "phone", "address"
    candidates: int = 1  # roster people this could be; above 1, `subject` names the group
    related: tuple[str, ...] = ()  # a guardian's students


@dataclass(frozen=True, slots=True)
class _Group:
    role: Role
    kind: str
    entity_type: str
    people: tuple[int, ...]
    field: Field


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    form: int


class RosterMatcher:
    """Loaded from a `RosterStore`; holds no clear value, only hashes and fingerprints."""

    def __init__(
        self,
        tables: RosterTables,
        keys: RosterKeys,
        short_text_chars: int = SHORT_TEXT_CHARS,
        compiled: bool = True,
    ) -> None:
        """``compiled``: scan with the compiled kernel (`kernel`) when numba is installed;
        otherwise, and with False, texts up to ``short_text_chars`` are scanned in Python and
        longer ones with numpy."""
        self._tables = tables
        self._short_text_chars = short_text_chars
        self._use_kernel = compiled
        self._candidate_scan: kernel.CandidateScan | None = None
        self._looked_up_kernel = False
        self._prints = FingerprintKeys.derive(keys)
        self._form_mac = keys.macer("form")
        self._birth_mac = keys.macer("birth-date")
        self._filter = np.zeros(1 << FP_BITS, dtype=bool)
        self._filter[tables.token_prints.astype(np.intp)] = True
        lengths = {int(n) for n in np.unique(tables.form_length)}
        self._longest = max(lengths, default=1)
        # Sequence fingerprints (length << FP_BITS | print) as a bitset: one cache line per
        # lookup instead of a binary search through a million entries.
        prints = tables.sequence_prints.astype(np.int64)
        top = int(prints.max()) + 1 if len(prints) else 0
        self._sequence_bits = np.zeros(
            max(top, (self._longest + 1) << FP_BITS) // 8 + 1, dtype=np.uint8
        )
        prints = prints[np.isin(prints >> FP_BITS, list(lengths))]
        np.bitwise_or.at(
            self._sequence_bits, prints >> 3, np.left_shift(1, prints & 7).astype(np.uint8)
        )
        axis = np.arange(1, self._longest + 1)
        self._length_bits = (axis << FP_BITS).astype(np.uint64)
        self._empty = len(tables.form_key) == 0
        # 64-bit sequence hash -> form (or -1) already HMAC-checked: a common word whose short
        # fingerprint happens to collide with the roster's is verified once, not every time.
        self._verified: dict[int, int] = {}
        self._form_groups: dict[int, tuple[_Group, ...]] = {}
        self._people_facts: dict[tuple[int, ...], tuple[str, bool, tuple[str, ...]]] = {}
        # Short texts, in Python: folded token -> its 64-bit hash, or -1 when the token filter
        # rejects it. Only tokens of scanned text, in memory, bounded; never written anywhere.
        self._token_cache: dict[bytes, int] = {}
        self._filter_bits = self._filter.data
        self._filter_packed = np.packbits(self._filter, bitorder="little")  # the kernel's
        self._sequence_view = self._sequence_bits.data
        self._length_set = frozenset(lengths)
        self._roles = frozenset(Role(int(code)) for code in np.unique(tables.person_role))
        # A miss costs a binary search through every form's key (cold cache lines, several
        # microseconds); a bit per key top (2 MiB) turns most misses into one read.
        tops = (tables.form_key >> np.uint64(64 - FORM_KEY_BITS)).astype(np.int64)
        key_bits = np.zeros((1 << FORM_KEY_BITS) // 8, dtype=np.uint8)
        np.bitwise_or.at(key_bits, tops >> 3, np.left_shift(1, tops & 7).astype(np.uint8))
        self._key_bits = key_bits.data
        self._id_cache: dict[str, tuple[RosterMatch, ...]] = {}
        # A shared name's group subject -> its people's subjects, for the decision (who is
        # whose child): kept apart from the caches above so it is not cleared with them.
        self._group_members: dict[str, tuple[str, ...]] = {}
        self._address_mac = keys.macer(ADDRESS_PURPOSE)
        self._families: Families | None = None
        self._kernel_keys = kernel.constants(self._prints)
        folded_code_table()  # build it now rather than inside the first scan

    def warm(self) -> None:
        """Compile the kernel (or load it from numba's cache) now, not in the first `find`:
        once per process; and index the households, not in the first decision."""
        if self._use_kernel:
            kernel.warm()
        _ = self.families

    # -- finding -----------------------------------------------------------------------------

    def find(self, text: str, ascii_bytes: bytes | None = None) -> list[RosterMatch]:
        """The roster people in ``text``; ``ascii_bytes``: ``text`` encoded, when the caller
        has it (an ASCII text)."""
        if self._empty or not text:
            return []
        if len(text) <= CHUNK_CHARS:  # one chunk (most segments): no chunking, no copies
            if not self._looked_up_kernel:
                self._look_up_kernel()
            scan = self._candidate_scan
            if scan is not None and ascii_bytes is not None:  # most texts: called directly
                values = scan(ascii_bytes, True, MIN_SINGLE_TOKEN_CHARS)
                if not values:
                    return []
                spans: Iterable[tuple[int, int, int]] = self._spans(text, values, None)
            else:
                spans = self._scan(text, ascii_bytes)
            hits = [_Hit(start, end, form) for start, end, form in spans]
            return self._resolve(text, _outermost(hits)) if hits else []
        hits = []
        for offset, limit, chunk in _chunks(text):
            hits += [
                _Hit(offset + start, offset + end, form)
                for start, end, form in self._scan(chunk)
                if start < limit
            ]
        return self._resolve(text, _outermost(hits))

    def _scan(self, chunk: str, ascii_bytes: bytes | None = None) -> Iterable[tuple[int, int, int]]:
        """(start, end, form) of each verified candidate sequence in ``chunk``."""
        if not self._looked_up_kernel:
            self._look_up_kernel()
        scan = self._candidate_scan
        if scan is not None:
            return self._scan_compiled(chunk, scan, ascii_bytes)
        if len(chunk) <= self._short_text_chars:
            return self._scan_short(chunk)
        return self._scan_numpy(chunk)

    def _look_up_kernel(self) -> None:
        """On the first scan, not on loading: numba is imported only then."""
        if self._use_kernel:
            self._candidate_scan = kernel.bound(
                self._filter_packed, self._sequence_bits, self._kernel_keys, self._longest
            )
        self._looked_up_kernel = True

    def _scan_numpy(self, chunk: str) -> Iterator[tuple[int, int, int]]:
        table = tokenize(chunk)
        if not len(table):
            return
        prefixes = prefix_words(table)
        hit = self._filter.take(fingerprint_words(prefixes[0], self._prints))
        candidates = hit.nonzero()[0]
        if not len(candidates):
            return
        # Sequence (row, n) is the n candidates from the row-th on; it exists when no break
        # (candidates not adjacent, or more than `MAX_GAP` apart) lies inside it.
        close = table.starts[1:] - table.ends[:-1] <= MAX_GAP  # token i and token i + 1
        linked = candidates[1:] - candidates[:-1] == 1
        linked &= close[candidates[:-1]]
        # Runs of weak tokens only go (`is_weak`); the runs left keep their breaks.
        run = np.zeros(len(candidates), dtype=np.intp)
        np.cumsum(~linked, out=run[1:])
        strong = ~weak_words(prefixes[0].take(candidates), prefixes[1].take(candidates))
        keep = np.bincount(run, weights=strong)[run] > 0
        if not keep.all():
            # Two runs left side by side were apart before (a run ends where the next token
            # is not a candidate or is too far), so the breaks come out the same.
            candidates = candidates[keep]
            linked = candidates[1:] - candidates[:-1] == 1
            linked &= close[candidates[:-1]]
        count = len(candidates)
        if not count:
            return
        longest = min(self._longest, int(np.count_nonzero(linked)) + 1)
        if longest > 2 and count > EXACT_RUNS_ABOVE:
            # Many candidates: hash no longer a sequence than the longest run has.
            ends = np.flatnonzero(np.append(~linked, True))
            longest = min(longest, int(np.diff(ends, prepend=-1).max()))
        breaks = np.zeros(count + longest, dtype=np.intp)
        (~linked).cumsum(out=breaks[1:count])
        breaks[count:] = breaks[count - 1] + 1
        # after[n, row]: breaks before candidate row + n (one length per row, as in
        # `run_hashes`, so the comparison's inner loop runs over candidates).
        after = np.ndarray((longest, count), np.intp, breaks, strides=(breaks.itemsize,) * 2)
        hashes = token_hashes(table, self._prints, candidates, prefixes)
        full = run_hashes(hashes, longest, self._prints).T
        # Look up only the sequences that exist: far fewer random reads of the bitset. They
        # come shortest first; `find` orders hits by span, so the order here does not matter.
        exists = (after == breaks[:count]).ravel().nonzero()[0]
        full = full.ravel().take(exists)
        columns, rows = np.divmod(exists, count)
        prints = full >> np.uint64(64 - FP_BITS)
        prints |= self._length_bits.take(columns)
        known = self._sequence_bits.take(prints >> np.uint64(3))
        known >>= (prints & np.uint64(7)).astype(np.uint8)
        hits = (known & 1).nonzero()[0]
        rows, columns, full = rows[hits], columns[hits], full[hits]
        for row, column, seen in zip(rows.tolist(), columns.tolist(), full.tolist(), strict=True):
            if self._verified.get(seen) == -1:
                continue  # a common word colliding with the filters, checked before
            tokens = candidates[row : row + column + 1]
            starts = table.text_starts[tokens].tolist()
            ends = table.text_ends[tokens].tolist()
            form = self._verify(chunk, starts, ends, seen)
            if form >= 0:
                yield starts[0], ends[-1], form

    def _scan_compiled(
        self, chunk: str, scan: kernel.CandidateScan, ascii_bytes: bytes | None = None
    ) -> list[tuple[int, int, int]]:
        """`_scan` in one compiled pass: the same candidate sequences, in the same order (a
        list: most texts have none, and a generator would cost more than the answer)."""
        ends_at = None
        shortest_single = 0
        ascii_text = ascii_bytes is not None or chunk.isascii()
        if ascii_text:
            # The kernel folds ASCII as it reads it, as `fold` would.
            codes = ascii_bytes if ascii_bytes is not None else chunk.encode("ascii")
            shortest_single = MIN_SINGLE_TOKEN_CHARS
        else:
            codes, positions = fold(chunk)
            if positions is not None:
                ends_at = [*positions.tolist(), len(chunk)]
        values = scan(codes, ascii_text, shortest_single)
        return self._spans(chunk, values, ends_at) if values else []

    def _spans(
        self, chunk: str, values: list[int], ends_at: list[int] | None
    ) -> list[tuple[int, int, int]]:
        """(start, end, form) of the kernel's candidate sequences that verify."""
        spans: list[tuple[int, int, int]] = []
        verified = self._verified
        at = 0
        while at < len(values):
            length, seen = values[at], values[at + 1] & _M64  # int64 bits of a uint64 hash
            at += 2 + 2 * length
            if verified.get(seen) == -1:
                continue  # a common word colliding with the filters, checked before
            starts = values[at - 2 * length : at - length]
            ends = values[at - length : at]
            span = self._verified_span(chunk, starts, ends, ends_at, seen)
            if span is not None:
                spans.append(span)
        return spans

    def _scan_short(self, chunk: str) -> Iterator[tuple[int, int, int]]:
        """`_scan` without numpy: the same fingerprints, one token at a time."""
        codes, positions = fold(chunk)
        cache, keys, passes = self._token_cache, self._prints, self._filter_bits
        # Candidate runs as lists of (token number, code start, code end, token hash).
        runs: list[list[tuple[int, int, int, int]]] = []
        strong: list[bool] = []  # whether each run has a token that is not weak
        previous = (-2, 0)
        for number, token in enumerate(_CODE_TOKEN.finditer(codes)):
            value = token.group()
            hashed = cache.get(value)
            if hashed is None:
                prefix, hashed = token_values(value, keys)
                if not passes[prefix]:
                    hashed = -1
                if len(cache) >= TOKEN_CACHE_SIZE:
                    cache.clear()
                cache[value] = hashed
            if hashed < 0:
                continue
            start, end = token.span()
            if previous[0] == number - 1 and start - previous[1] <= MAX_GAP:
                runs[-1].append((number, start, end, hashed))
            else:
                runs.append([(number, start, end, hashed)])
                strong.append(False)
            previous = (number, end)
            if not strong[-1]:
                strong[-1] = not is_weak(value)
        runs = [run for run, kept in zip(runs, strong, strict=True) if kept]  # see `is_weak`
        if not runs:
            return
        ends_at = None if positions is None else [*positions.tolist(), len(chunk)]
        bits, wanted = self._sequence_view, self._length_set
        for run in runs:
            hashes = [item[3] for item in run]
            for first in range(len(run)):
                for length in range(1, min(self._longest, len(run) - first) + 1):
                    if length not in wanted:
                        continue
                    seen = sequence_hash(hashes[first : first + length], keys)
                    slot = length << FP_BITS | seen >> (64 - FP_BITS)
                    if not bits[slot >> 3] >> (slot & 7) & 1 or self._verified.get(seen) == -1:
                        continue
                    starts = [item[1] for item in run[first : first + length]]
                    ends = [item[2] for item in run[first : first + length]]
                    span = self._verified_span(chunk, starts, ends, ends_at, seen)
                    if span is not None:
                        yield span

    def _verified_span(
        self,
        chunk: str,
        starts: list[int],
        ends: list[int],
        ends_at: list[int] | None,
        seen: int,
    ) -> tuple[int, int, int] | None:
        """(start, end, form) in ``chunk`` of tokens found at these code offsets, if verified.

        With ``ends_at`` the offsets are in folded codes: a token ends where the next kept
        character starts (as in `tokenize`), and that is where it is mapped back to.
        """
        if ends_at is not None:
            starts = [ends_at[s] for s in starts]
            ends = [ends_at[e] for e in ends]
        form = self._verify(chunk, starts, ends, seen)
        return (starts[0], ends[-1], form) if form >= 0 else None

    def _verify(self, chunk: str, starts: list[int], ends: list[int], seen: int) -> int:
        """The form these tokens spell (HMAC of their normalized text), or -1; cached."""
        form = self._verified.get(seen)
        if form is None:
            normalized = " ".join(
                normalize_token(chunk[s:e]) for s, e in zip(starts, ends, strict=True)
            )
            form = self._lookup(self._form_mac(normalized.encode("utf-8")))
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[seen] = form
        return form

    def _lookup(self, mac: bytes) -> int:
        key, check = split_mac(mac)
        top = key >> (64 - FORM_KEY_BITS)
        if not self._key_bits[top >> 3] >> (top & 7) & 1:
            return -1
        keys, checks = self._tables.form_key, self._tables.form_check
        slot = int(keys.searchsorted(np.uint64(key)))
        while slot < len(keys) and keys.item(slot) == key:
            if checks.item(slot) == check:
                return slot
            slot += 1
        return -1

    # -- describing --------------------------------------------------------------------------

    @property
    def families(self) -> Families:
        """Who an address is (guardian, eligible student, staff), from the same tables."""
        if self._families is None:
            self._families = Families(self._tables, self._address_mac, self.group_members)
        return self._families

    def group_members(self, subject: str) -> tuple[str, ...]:
        """The people a shared name's match may be (their subjects), if this matcher made
        that match; () otherwise."""
        return self._group_members.get(subject, ())

    def has_role(self, role: Role) -> bool:
        """Whether the roster holds anyone of ``role`` (a staff-only import has no students)."""
        return role in self._roles

    def is_roster_id(self, value: str, role: Role | None = None) -> RosterMatch | None:
        """The roster person whose ID ``value`` is (any spacing or case), if any.

        With ``role``, only a person of that role counts: a student's ID is not a staff ID.
        """
        matches = self.roster_ids(value)
        wanted = None if role is None else ENTITY_TYPES.get((role, "id"))
        for match in matches:
            if role is None or match.entity_type == wanted:
                return match
        return None

    def roster_ids(self, value: str) -> tuple[RosterMatch, ...]:
        """Every roster ID ``value`` is (any spacing or case), of any role; cached."""
        matches = self._id_cache.get(value)
        if matches is None:
            matches = self._id_matches(value)
            if len(self._id_cache) >= ID_CACHE_SIZE:
                self._id_cache.clear()
            self._id_cache[value] = matches
        return matches

    def _id_matches(self, value: str) -> tuple[RosterMatch, ...]:
        """Every roster ID match ``value`` is, spaced then joined (one HMAC when they agree)."""
        norm = [normalize_token(token) for token in split_tokens(value)]
        found: list[RosterMatch] = []
        for spelling in dict.fromkeys((" ".join(norm), "".join(norm))):
            if not spelling:
                continue
            form = self._lookup(self._form_mac(spelling.encode("utf-8")))
            if form >= 0:
                hit = _Hit(0, len(value), form)
                found += [m for m in self._describe(value, hit, {}) if m.kind == "id"]
        return tuple(found)

    def _resolve(self, text: str, hits: list[_Hit]) -> list[RosterMatch]:
        described = [list(self._describe(text, hit, {})) for hit in hits]
        # A shared name resolves to a person named unambiguously elsewhere in the same text.
        known = {m.subject for matches in described for m in matches if m.candidates == 1}
        resolved: list[RosterMatch] = []
        for hit, matches in zip(hits, described, strict=True):
            if known and any(m.candidates > 1 for m in matches):
                matches = list(self._describe(text, hit, {"known": known}))
            resolved += matches
        return resolved

    def _subject(self, person: int) -> str:
        return self._tables.person_subject[person].tobytes().hex()

    def _groups(self, form: int) -> tuple[_Group, ...]:
        """The people a form names, by role and kind (cached: it depends on the form only)."""
        cached = self._form_groups.get(form)
        if cached is not None:
            return cached
        tables = self._tables
        low, high = int(tables.form_start[form]), int(tables.form_start[form + 1])
        members: dict[tuple[Role, str], list[tuple[int, Field]]] = {}
        persons = tables.entry_person[low:high]
        for person, field_code, role_code in zip(
            persons.tolist(),
            tables.entry_field[low:high].tolist(),
            tables.person_role[persons].tolist(),
            strict=True,
        ):
            field = Field(field_code)
            members.setdefault((Role(role_code), field.kind), []).append((person, field))
        groups = []
        for (role, kind), found in sorted(members.items()):
            entity_type = ENTITY_TYPES.get((role, kind))
            if entity_type is not None:
                people = tuple(sorted({person for person, _ in found}))
                field = min(field for _, field in found)
                groups.append(_Group(role, kind, entity_type, people, field))
        if len(self._form_groups) >= DESCRIBED_CACHE_SIZE:
            self._form_groups.clear()
        self._form_groups[form] = cached = tuple(groups)
        return cached

    def _facts(self, role: Role, people: tuple[int, ...]) -> tuple[str, bool, tuple[str, ...]]:
        """Subject, directory opt-out and related students of one person or group (cached)."""
        cached = self._people_facts.get(people)
        if cached is not None:
            return cached
        tables = self._tables
        if len(people) == 1:
            subject = self._subject(people[0])
        else:
            joined = b"".join(tables.person_subject[p].tobytes() for p in people)
            subject = hashlib.sha256(b"group:" + joined).digest()[:16].hex()
            if len(self._group_members) < GROUP_MEMBERS_SIZE:
                self._group_members[subject] = tuple(self._subject(p) for p in people)
        related: tuple[str, ...] = ()
        if role == Role.GUARDIAN:
            students = {
                int(s)
                for p in people
                for s in tables.link_person[tables.link_start[p] : tables.link_start[p + 1]]
            }
            related = tuple(sorted(self._subject(s) for s in students))
        opt_out = bool(tables.person_opt_out[list(people)].any())
        if len(self._people_facts) >= DESCRIBED_CACHE_SIZE:
            self._people_facts.clear()
        self._people_facts[people] = cached = (subject, opt_out, related)
        return cached

    def _describe(
        self, text: str, hit: _Hit, context: dict[str, set[str]]
    ) -> Iterator[RosterMatch]:
        for group in self._groups(hit.form):
            role, kind, people = group.role, group.kind, group.people
            confirmed = False
            if kind == "name" and role != Role.GUARDIAN:
                born = self._born_near(text, hit, people)
                if born:
                    people, confirmed = born, True
            known = context.get("known", set())
            if len(people) > 1 and known:
                chosen = tuple(p for p in people if self._subject(p) in known)
                if len(chosen) == 1:
                    people = chosen
            subject, opt_out, related = self._facts(role, people)
            yield RosterMatch(
                start=hit.start,
                end=hit.end,
                entity_type=group.entity_type,
                subject=subject,
                score=_score(role, group.field, len(people), confirmed),
                confirmed_by_dob=confirmed,
                directory_opt_out=opt_out,
                kind=kind,
                field=group.field.name.lower(),
                candidates=len(people),
                related=related,
            )

    def _born_near(self, text: str, hit: _Hit, people: tuple[int, ...]) -> tuple[int, ...]:
        window = text[max(0, hit.start - DOB_WINDOW_CHARS) : hit.end + DOB_WINDOW_CHARS]
        dates = dates_in(window)
        if not dates:
            return ()
        births = self._tables.person_birth
        confirmed = []
        for person in people:
            subject = births[person].tobytes()
            if not any(subject):
                continue
            own = self._tables.person_subject[person].tobytes()
            if any(self._birth_mac(own + d.isoformat().encode()) == subject for d in dates):
                confirmed.append(person)
        return tuple(confirmed)


def _score(role: Role, field: Field, people: int, confirmed: bool) -> float:
    if confirmed:
        return SCORE_CONFIRMED_BY_DOB
    if role == Role.GUARDIAN:
        return SCORE_GUARDIAN_NAME if field.kind == "name" else SCORE_GUARDIAN_CONTACT
    if field.kind == "id":
        return SCORE_ID
    if people > 1:
        return SCORE_SHARED_NAME
    return SCORE_PREFERRED_NAME if field == Field.PREFERRED_NAME else SCORE_NAME


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """Drop hits inside a longer one: "Lisa Sybil Woods" is not also "Sybil Woods"."""
    kept: list[_Hit] = []
    reach = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.end <= reach:
            continue
        kept.append(hit)
        reach = hit.end
    return kept


def _chunks(text: str) -> Iterator[tuple[int, int, str]]:
    """(offset, limit, chunk): report matches starting before ``limit`` (chunk-relative)."""
    size = len(text)
    start = 0
    while start < size:
        cut = start + CHUNK_CHARS
        if cut >= size:
            yield start, size - start, text[start:]
            return
        window = cut - OVERLAP_CHARS
        boundary = max(text.rfind(" ", window, cut), text.rfind("\n", window, cut))
        if boundary <= start:
            boundary = cut
        yield start, boundary - start, text[start : boundary + OVERLAP_CHARS]
        start = boundary
