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
# Lowest set bit to its index, by de Bruijn multiplication (numba has no portable ctz).
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_BIT_INDEX = np.zeros(64, dtype=np.uint8)
for _bit in range(64):
    _BIT_INDEX[((1 << _bit) * int(_DE_BRUIJN) % 2**64) >> 58] = _bit


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

    # Tokens off the mask's edges (a start, then its end, and so on; the spare zero block
    # closes a token that runs to the text's end), each with its first eight folded bytes
    # (``head``) and its prefix fingerprint's slot in the token filter.
    fp_shift = np.uint64(64 - FP_BITS)
    p0, p1 = keys[0], keys[1]
    capacity = size // 2 + 1
    token_starts = np.empty(capacity, dtype=np.int64)
    token_ends = np.empty(capacity, dtype=np.int64)
    heads = np.empty(capacity, dtype=np.uint64)
    slots = np.empty(capacity, dtype=np.uint64)
    tokens = 0
    start = 0
    inside = False
    carry = np.uint64(0)
    for block in range(len(masks)):
        mask = masks[block]
        edges = mask ^ ((mask << np.uint64(1)) | carry)
        carry = mask >> np.uint64(63)
        while edges:
            lowest = edges & (~edges + np.uint64(1))
            edges ^= lowest
            at = 64 * block + int(_BIT_INDEX[(lowest * _DE_BRUIJN) >> np.uint64(58)])
            if not inside:
                start = at
                inside = True
                continue
            inside = False
            # The eight folded bytes from ``start`` on; shifted in two steps, since a shift
            # by 64 (``start`` on a word boundary) is undefined.
            shift = np.uint64(8 * (start & 7))
            index = start >> 3
            head = (folded[index] >> shift) | (
                (folded[index + 1] << np.uint64(1)) << (np.uint64(63) - shift)
            )
            head &= _ALL >> np.uint64(64 - 8 * min(at - start, 8))
            word = head * p0
            word ^= word >> np.uint64(29)
            word *= p1
            token_starts[tokens] = start
            token_ends[tokens] = at
            heads[tokens] = head
            slots[tokens] = word >> fp_shift
            tokens += 1

    # The filter bits in a loop of their own: the filter (2 MiB) misses the core's cache on
    # most reads, and a loop that does nothing else keeps dozens of them in flight where a
    # branch on each would wait for it.
    passed = np.empty(tokens + 1, dtype=np.int64)  # token numbers of the candidates
    count = 0
    for number in range(tokens):
        slot = slots[number]
        passed[count] = number
        count += int((passes[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1))

    # Runs of candidates: adjacent tokens at most `MAX_GAP` apart. A run of weak tokens only
    # (`fingerprint.is_weak`: one character, or up to three digits) is dropped, since no form
    # is made of them alone (`forms`); they are nine in ten of a school text's candidates
    # (times, house numbers, initials), nearly all in runs of their own.
    kept_numbers = np.empty(count + 1, dtype=np.int64)  # token numbers in the kept runs
    run_firsts = np.empty(count + 1, dtype=np.int64)  # runs as [first, stop) of those
    run_stops = np.empty(count + 1, dtype=np.int64)
    kept = 0
    runs = 0
    longest_run = 0
    run_start = 0
    strong = False
    for c in range(count + 1):
        number = passed[c] if c < count else -1
        if c == count or (
            c
            and not (
                number == passed[c - 1] + 1
                and token_starts[number] - token_ends[passed[c - 1]] <= MAX_GAP
            )
        ):
            if strong:
                run_firsts[runs] = kept
                for r in range(run_start, c):
                    kept_numbers[kept] = passed[r]
                    kept += 1
                run_stops[runs] = kept
                runs += 1
                longest_run = max(longest_run, c - run_start)
            run_start = c
            strong = False
            if c == count:
                break
        if not strong:
            length = token_ends[number] - token_starts[number]
            strong = length > 3
            if length == 2 or length == 3:
                head = heads[number]
                for b in range(length):
                    byte = (head >> np.uint64(8 * b)) & np.uint64(0xFF)
                    if byte < np.uint64(0x30) or byte > np.uint64(0x39):
                        strong = True

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


compiled = LazyKernel(scan)  # the kernel, compiled on its first call (None without numba)

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
