"""The matcher's numpy stages in one compiled pass (numba), for the texts a scanner hands it.

`RosterMatcher` calls `find` once per segment of a few kilobytes, where the fixed cost of each
numpy call (dozens per text) outweighs the work itself. This kernel cuts the text's tokens
eight bytes at a time, fingerprints each one's first eight bytes against the token filter,
gives the survivors their 64-bit token hash, and hashes every sequence of adjacent survivors
(at most `MAX_GAP` apart, up to the roster's longest form) against the sequence bitset. Each
stage is a loop of its own: a filter read that nothing waits on is nearly free, one that a
branch waits on costs a cache miss each time (measured: a third of the kernel). It computes
exactly what `fingerprint.tokenize` .. `RosterMatcher._scan` compute, with the same constants,
and hands back the same candidate sequences, in the same order, for HMAC verification
(tests/roster holds the three paths to the same results).

numba is imported and the kernel compiled on first use, never at import: the compiled code is
cached next to this module when that is writable (or in numba's user cache), else compiled in
memory for the process. Without numba, `compiled` is None and the matcher keeps its numpy path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from dlp.jit import LazyKernel
from dlp.roster.fingerprint import (
    FP_BITS,
    MAX_FORM_TOKENS,
    MAX_GAP,
    FingerprintKeys,
)

# Layout of the constants array: prefix (2), token (4), position (MAX_FORM_TOKENS), sequence (3).
_TOKEN = 2
_POSITION = 6
_SEQUENCE = _POSITION + MAX_FORM_TOKENS

Kernel = Callable[..., int]


def constants(keys: FingerprintKeys) -> np.ndarray:
    """The fingerprint multipliers as the kernel reads them."""
    position = list(keys.position) + [0] * (MAX_FORM_TOKENS - len(keys.position))
    return np.array([*keys.prefix, *keys.token, *position, *keys.sequence], dtype=np.uint64)


# Eight bytes at a time (SWAR): a token byte's high bit, its folded value, and the eight
# high bits gathered into one byte (bit i = byte i).
_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_CASE = np.uint64(0x2020202020202020)
_GATHER = np.uint64(0x0102040810204080)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def trailing_zeros(value: np.uint64) -> np.uint64:
    """The index of the lowest set bit: one instruction in the compiled kernel, where
    `compiled` puts numba's intrinsic under this name (this is what it computes)."""
    number = int(value)
    return np.uint64((number & -number).bit_length() - 1)


def popcount(value: np.uint64) -> int:
    """Set bits in ``value``; LLVM turns this classic bit trick into one instruction."""
    value = value - ((value >> np.uint64(1)) & np.uint64(0x5555555555555555))
    value = (value & np.uint64(0x3333333333333333)) + (
        (value >> np.uint64(2)) & np.uint64(0x3333333333333333)
    )
    value = (value + (value >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((value * np.uint64(0x0101010101010101)) >> np.uint64(56))


def warm() -> bool:
    """Compile (or load from cache) now rather than in the first `find`; False without numba."""
    kernel = compiled()
    if kernel is None:
        return False
    kernel(
        b"warm up",
        True,
        np.zeros((1 << FP_BITS) // 8, dtype=np.uint8),
        np.zeros(2, dtype=np.uint8),
        np.ones(_SEQUENCE + 3, dtype=np.uint64),
        1,
        0,
        np.empty(1, dtype=np.int64),
    )
    return True


def scan(
    text: bytes,
    ascii_text: bool,
    passes: np.ndarray,
    sequence_bits: np.ndarray,
    keys: np.ndarray,
    longest: int,
    shortest_single: int,
    out: np.ndarray,
) -> int:
    """Candidate sequences of one text's bytes: ``ascii_text``, raw ASCII text, which the
    kernel folds as `fingerprint.fold` would (letters and digits to lower case, all else a
    separator); otherwise the folded code bytes `fold` gave (0 between tokens).

    ``passes``: the token filter, a bitset over 24-bit prefix fingerprints (2 MiB: a bool per
    fingerprint made 16, and its reads pushed the scanner's own tables out of the cache);
    ``sequence_bits``: the bitset of ``length << FP_BITS | sequence fingerprint``; ``keys``:
    `constants`. ``shortest_single``: one-token sequences of fewer code bytes are not looked
    up (0: all are; only for ASCII text, where a token's code bytes are its normalized
    characters).

    Writes into ``out`` (int64), for each sequence found in the bitset, ordered by length,
    then first token (as `RosterMatcher._scan` orders them): its length ``n`` in tokens, its
    64-bit sequence hash (as int64 bits), the code-buffer starts of its ``n`` tokens, then
    their ends; and returns how many values it wrote, or minus how many it needs when ``out``
    is too short (then nothing is written). Into the caller's buffer, since an array handed
    back to Python costs a microsecond, and most texts have no candidate at all.
    Hash arithmetic stays in uint64 throughout (numba would turn a mix of signed and unsigned
    64-bit integers into floats), so it wraps as numpy's does.

    Tokens are cut eight bytes at a time, without a branch per byte: a byte-at-a-time loop
    mispredicts at nearly every token edge, which cost more than all the hashing. Each word
    is folded in place and its token bytes gathered into a bitmask per 64 bytes; tokens are
    then read off the mask's edges, and a token's first and last eight bytes are loaded
    from the folded words.
    """
    size = len(text)
    words = (size + 7) // 8
    folded = np.zeros(words + 1, dtype=np.uint64)  # one spare word: loads never run past it
    masks = np.zeros((words + 7) // 8 + 1, dtype=np.uint64)
    for w in range(words):
        first = 8 * w
        word = np.uint64(0)
        if first + 8 <= size:
            for b in range(8):
                word |= np.uint64(text[first + b]) << np.uint64(8 * b)
        else:
            for b in range(size - first):
                word |= np.uint64(text[first + b]) << np.uint64(8 * b)
        if ascii_text:
            lower = word | _CASE
            letters = (lower + np.uint64(0x1F) * _ONES) & ~(lower + np.uint64(0x05) * _ONES)
            digits = (word + np.uint64(0x50) * _ONES) & ~(word + np.uint64(0x46) * _ONES)
            high = (letters | digits) & _HIGH
            word = lower & ((high >> np.uint64(7)) * np.uint64(0xFF))
        else:
            high = (((word & _LOW7) + _LOW7) | word) & _HIGH
        folded[w] = word
        gathered = ((high >> np.uint64(7)) * _GATHER) >> np.uint64(56)
        masks[w >> 3] |= gathered << np.uint64(8 * (w & 7))

    # Tokens off the mask's edges: every start (a rising edge), then every end (a falling
    # one; the spare zero block closes a token that runs to the text's end), each found by
    # its bit's index (one instruction each), in loops with no branch but their own; then
    # heads and slots in a loop of their own. One loop that took the edges in turn, asking
    # each time whether it was inside a token, cost 5.1 us per 6.6 KB of school mail where
    # these take 4.2.
    capacity = size // 2 + 9  # room for the eight edges written past the last
    token_starts = np.empty(capacity, dtype=np.int64)
    token_ends = np.empty(capacity, dtype=np.int64)
    tokens = 0
    closed = 0
    carry = np.uint64(0)
    for block in range(len(masks)):
        mask = masks[block]
        shifted = (mask << np.uint64(1)) | carry
        carry = mask >> np.uint64(63)
        rising = mask & ~shifted
        falling = shifted & ~mask
        base = 64 * block
        # Eight edges written whatever the count (past it, values nobody reads), then the
        # rest: the loop's end is mispredicted only in the rare block with more than eight.
        # Written out twice, for starts and for ends: as one numba helper it cost a tenth of
        # the kernel (11.2 against 10.2 us per 6.6 KB document).
        count = popcount(rising)
        for i in range(8):
            token_starts[tokens + i] = base + np.int64(trailing_zeros(rising))
            rising &= rising - np.uint64(1)
        at = tokens + 8
        while rising:
            token_starts[at] = base + np.int64(trailing_zeros(rising))
            rising &= rising - np.uint64(1)
            at += 1
        tokens += count
        count = popcount(falling)
        for i in range(8):
            token_ends[closed + i] = base + np.int64(trailing_zeros(falling))
            falling &= falling - np.uint64(1)
        at = closed + 8
        while falling:
            token_ends[at] = base + np.int64(trailing_zeros(falling))
            falling &= falling - np.uint64(1)
            at += 1
        closed += count

    # Each token's first eight folded bytes (``head``) and its prefix fingerprint's slot in
    # the token filter.
    fp_shift = np.uint64(64 - FP_BITS)
    p0, p1 = keys[0], keys[1]
    heads = np.empty(tokens, dtype=np.uint64)
    slots = np.empty(tokens, dtype=np.uint64)
    for number in range(tokens):
        start = token_starts[number]
        # The eight folded bytes from ``start`` on; shifted in two steps, since a shift by
        # 64 (``start`` on a word boundary) is undefined.
        shift = np.uint64(8 * (start & 7))
        index = start >> 3
        head = (folded[index] >> shift) | (
            (folded[index + 1] << np.uint64(1)) << (np.uint64(63) - shift)
        )
        head &= _ALL >> np.uint64(64 - 8 * min(token_ends[number] - start, 8))
        word = head * p0
        word ^= word >> np.uint64(29)
        word *= p1
        heads[number] = head
        slots[number] = word >> fp_shift

    # Seeds: the strong tokens that pass the filter. A weak token (`fingerprint.is_weak`:
    # one character, or two or three digits) passes nearly always (initials and house
    # numbers are roster tokens), and no form is made of weak tokens alone (`forms`), so a
    # run of candidates counts only with a strong one in it: runs are grown from the seeds.
    # The filter bits in a loop of their own: the filter (2 MiB) misses the core's cache on
    # most reads, and a loop that does nothing else keeps dozens of them in flight where a
    # branch on each would wait for it.
    passed = np.empty(tokens + 1, dtype=np.int64)  # token numbers of the candidates
    count = 0
    for number in range(tokens):
        slot = slots[number]
        passed[count] = number
        count += int((passes[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1))
    seeds = np.empty(count + 1, dtype=np.int64)
    strong_count = 0
    for c in range(count):
        number = passed[c]
        length = token_ends[number] - token_starts[number]
        # Two or three digits: each byte's high nibble 3 and low one at most 9 (+6 carries
        # into bit 4 from 10 up), over the token's bytes only.
        low = (heads[number] ^ np.uint64(0x303030)) & (
            (np.uint64(1) << np.uint64(8 * min(length, 3))) - np.uint64(1)
        )
        not_digits = (low & np.uint64(0xF0F0F0)) | (
            ((low & np.uint64(0x0F0F0F)) + np.uint64(0x060606)) & np.uint64(0x101010)
        )
        seeds[strong_count] = number
        strong_count += int((length > 3) | ((length > 1) & (not_digits != 0)))
    count = strong_count

    # Runs of candidates (tokens that pass the filter, adjacent, at most `MAX_GAP` apart),
    # each grown both ways from its first seed; later seeds inside it are skipped. A run ends
    # where the next token fails the filter or is too far, and that is where the next run's
    # growth stops too, so no two runs meet.
    kept_numbers = np.empty(tokens + 1, dtype=np.int64)  # token numbers in the runs
    run_firsts = np.empty(count + 1, dtype=np.int64)  # runs as [first, stop) of those
    run_stops = np.empty(count + 1, dtype=np.int64)
    kept = 0
    runs = 0
    longest_run = 0
    reach = 0  # tokens before this one are in a run already
    for c in range(count):
        seed = seeds[c]
        if seed < reach:
            continue
        first = seed
        while first > 0 and token_starts[first] - token_ends[first - 1] <= MAX_GAP:
            slot = slots[first - 1]
            if not (passes[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1):
                break
            first -= 1
        reach = seed + 1
        while reach < tokens and token_starts[reach] - token_ends[reach - 1] <= MAX_GAP:
            slot = slots[reach]
            if not (passes[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1):
                break
            reach += 1
        run_firsts[runs] = kept
        for number in range(first, reach):
            kept_numbers[kept] = number
            kept += 1
        run_stops[runs] = kept
        runs += 1
        longest_run = max(longest_run, reach - first)

    # The kept candidates' whole-token hashes.
    k0, k1, k2, k3 = keys[_TOKEN], keys[_TOKEN + 1], keys[_TOKEN + 2], keys[_TOKEN + 3]
    starts = np.empty(kept, dtype=np.int64)
    ends = np.empty(kept, dtype=np.int64)
    hashes = np.empty(kept, dtype=np.uint64)
    for c in range(kept):
        number = kept_numbers[c]
        start, end = token_starts[number], token_ends[number]
        length = end - start
        head = heads[number]
        # ``tail``: the last eight bytes in its top bytes (zeros below for a shorter token),
        # as `token_hashes` reads them.
        if length <= 8:
            tail = head << np.uint64(8 * (8 - length))
        else:
            shift = np.uint64(8 * ((end - 8) & 7))
            index = (end - 8) >> 3
            tail = (folded[index] >> shift) | (
                (folded[index + 1] << np.uint64(1)) << (np.uint64(63) - shift)
            )
        mixed = head * k0
        mixed ^= tail * k1
        mixed ^= np.uint64(length) * k2
        mixed ^= mixed >> np.uint64(31)
        mixed *= k3
        mixed ^= mixed >> np.uint64(29)
        starts[c], ends[c], hashes[c] = start, end, mixed
    count = kept

    # Every sequence inside a run, up to the roster's longest form, as (length, first
    # candidate, hash, bitset slot); then the bitset's answers, again in a loop of their own
    # (the bitset is larger still, one 2 MiB plane per length).
    s0, s1, s2 = keys[_SEQUENCE], keys[_SEQUENCE + 1], keys[_SEQUENCE + 2]
    top = min(longest, longest_run)
    seq_length = np.empty(count * top + 1, dtype=np.int64)
    seq_row = np.empty(count * top + 1, dtype=np.int64)
    seq_hash = np.empty(count * top + 1, dtype=np.uint64)
    seq_slot = np.empty(count * top + 1, dtype=np.uint64)
    sequences = 0
    sums = np.zeros(count, dtype=np.uint64)
    for n in range(1, top + 1):
        position = keys[_POSITION + n - 1]
        start_value = np.uint64(n) * s0
        length_bits = np.uint64(n) << np.uint64(FP_BITS)
        kept = 0  # runs long enough for this length (and so for every shorter one)
        for r in range(runs):
            first, stop = run_firsts[r], run_stops[r]
            if stop - first < n:
                continue
            run_firsts[kept], run_stops[kept] = first, stop
            kept += 1
            for row in range(first, stop - n + 1):
                sums[row] += hashes[row + n - 1] * position
                if n == 1 and ends[row] - starts[row] < shortest_single:
                    continue  # no one-token form is this short (`MIN_SINGLE_TOKEN_CHARS`)
                mixed = sums[row] + start_value
                mixed ^= mixed >> np.uint64(32)
                mixed *= s1
                mixed ^= mixed >> np.uint64(29)
                mixed *= s2
                seq_length[sequences] = n
                seq_row[sequences] = row
                seq_hash[sequences] = mixed
                seq_slot[sequences] = (mixed >> fp_shift) | length_bits
                sequences += 1
        runs = kept
    found = np.empty(sequences + 1, dtype=np.int64)
    hits = 0
    for i in range(sequences):
        slot = seq_slot[i]
        found[hits] = i
        hits += int((sequence_bits[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1))

    used = 0
    for h in range(hits):
        used += 2 + 2 * seq_length[found[h]]
    if used > len(out):
        return -used
    used = 0
    for h in range(hits):
        i = found[h]
        n, row = seq_length[i], seq_row[i]
        out[used] = n
        out[used + 1] = np.int64(seq_hash[i])
        out[used + 2 : used + 2 + n] = starts[row : row + n]
        out[used + 2 + n : used + 2 + 2 * n] = ends[row : row + n]
        used += 2 + 2 * n
    return used


# the kernel, compiled on its first call (None without numba)
compiled = LazyKernel(
    scan,
    ("popcount",),
    intrinsics={"trailing_zeros": "numba.cpython.unsafe.numbers.trailing_zeros"},
    name="roster",
)

FIRST_OUT_VALUES = 1024  # a thread's first output buffer; grown for a text that needs more


class CandidateScan:
    """`scan` bound to one roster's filters, with an output buffer per thread (the kernel
    runs without the GIL)."""

    def __init__(
        self,
        kernel: Kernel,
        passes: np.ndarray,
        sequence_bits: np.ndarray,
        keys: np.ndarray,
        longest: int,
    ) -> None:
        self._kernel = kernel
        self._tables = (passes, sequence_bits, keys, longest)
        self._local = threading.local()

    def __call__(self, text: bytes, ascii_text: bool, shortest_single: int = 0) -> list[int]:
        """`scan`'s values, as a list."""
        out = getattr(self._local, "out", None)
        if out is None:
            out = self._local.out = np.empty(FIRST_OUT_VALUES, dtype=np.int64)
        used = self._kernel(text, ascii_text, *self._tables, shortest_single, out)
        if used < 0:
            out = self._local.out = np.empty(max(-used, 2 * len(out)), dtype=np.int64)
            used = self._kernel(text, ascii_text, *self._tables, shortest_single, out)
        return out[:used].tolist() if used else []


def bound(
    passes: np.ndarray, sequence_bits: np.ndarray, keys: np.ndarray, longest: int
) -> CandidateScan | None:
    """A `CandidateScan` over these filters (None without numba)."""
    kernel = compiled()
    return None if kernel is None else CandidateScan(kernel, passes, sequence_bits, keys, longest)
