"""The matcher's numpy stages in one compiled pass (numba), for the texts a scanner hands it.

`RosterMatcher` calls `find` once per segment of a few kilobytes, where the fixed cost of each
numpy call (dozens per text) outweighs the work itself. This kernel reads the folded code bytes
once: it cuts tokens, fingerprints each one's first eight bytes against the token filter, gives
the survivors their 64-bit token hash, and hashes every sequence of adjacent survivors (at most
`MAX_GAP` apart, up to the roster's longest form) against the sequence bitset. It computes
exactly what `fingerprint.tokenize` .. `RosterMatcher._scan` compute, with the same constants,
and hands back the same candidate sequences, in the same order, for HMAC verification
(tests/roster holds the three paths to the same results).

numba is imported and the kernel compiled on first use, never at import: the compiled code is
cached next to this module when that is writable (or in numba's user cache), else compiled in
memory for the process. Without numba, `compiled` is None and the matcher keeps its numpy path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from dlp.jit import LazyKernel
from dlp.roster.fingerprint import (
    ASCII_FOLDING,
    FP_BITS,
    MAX_FORM_TOKENS,
    MAX_GAP,
    FingerprintKeys,
)

# Layout of the constants array: prefix (2), token (4), position (MAX_FORM_TOKENS), sequence (3).
_TOKEN = 2
_POSITION = 6
_SEQUENCE = _POSITION + MAX_FORM_TOKENS

Kernel = Callable[..., np.ndarray]



def constants(keys: FingerprintKeys) -> np.ndarray:
    """The fingerprint multipliers as the kernel reads them."""
    position = list(keys.position) + [0] * (MAX_FORM_TOKENS - len(keys.position))
    return np.array([*keys.prefix, *keys.token, *position, *keys.sequence], dtype=np.uint64)


IDENTITY = np.arange(256, dtype=np.uint8)


@cache
def ascii_folding() -> np.ndarray:
    """`fingerprint.fold`'s byte mapping of ASCII text (so the kernel folds it as it reads)."""
    return np.frombuffer(ASCII_FOLDING, dtype=np.uint8)


def warm() -> bool:
    """Compile (or load from cache) now rather than in the first `find`; False without numba."""
    kernel = compiled()
    if kernel is None:
        return False
    kernel(
        b"warm up",
        ascii_folding(),
        np.zeros((1 << FP_BITS) // 8, dtype=np.uint8),
        np.zeros(2, dtype=np.uint8),
        np.ones(_SEQUENCE + 3, dtype=np.uint64),
        1,
        0,  # as the matcher calls it: numba compiles a call that omits it apart
    )
    return True


def scan(
    text: bytes,
    folding: np.ndarray,
    passes: np.ndarray,
    sequence_bits: np.ndarray,
    keys: np.ndarray,
    longest: int,
    shortest_single: int = 0,
) -> np.ndarray:
    """Candidate sequences of one text's bytes, mapped through ``folding`` (256 entries) to the
    folded code bytes `fingerprint.fold` gives: `ascii_folding` for ASCII text, `IDENTITY` for
    bytes `fold` already folded.

    ``passes``: the token filter, a bitset over 24-bit prefix fingerprints (2 MiB: a bool per
    fingerprint made 16, and its reads pushed the scanner's own tables out of the cache);
    ``sequence_bits``: the
    bitset of ``length << FP_BITS | sequence fingerprint``; ``keys``: `constants`.
    ``shortest_single``: one-token sequences of fewer code bytes are not looked up (0: all
    are; only for ASCII text, where a token's code bytes are its normalized characters).

    Returns, for each sequence found in the bitset, ordered by length, then first token (as
    `RosterMatcher._scan` orders them): its length ``n`` in tokens, its 64-bit sequence hash
    (as int64 bits), the code-buffer starts of its ``n`` tokens, then their ends; one flat
    array, since each array handed back to Python costs about half a microsecond.
    Hash arithmetic stays in uint64 throughout (numba would turn a mix of signed and unsigned
    64-bit integers into floats), so it wraps as numpy's does.
    """
    codes = text
    size = len(codes)
    fp_shift = np.uint64(64 - FP_BITS)
    p0, p1 = keys[0], keys[1]
    k0, k1, k2, k3 = keys[_TOKEN], keys[_TOKEN + 1], keys[_TOKEN + 2], keys[_TOKEN + 3]
    capacity = size // 2 + 1
    starts = np.empty(capacity, dtype=np.int64)
    ends = np.empty(capacity, dtype=np.int64)
    hashes = np.empty(capacity, dtype=np.uint64)
    run_ends = np.empty(capacity, dtype=np.int64)  # candidate after the last of its run
    count = 0
    number = -1  # token number
    previous = -2  # token number of the last candidate
    last_end = -(MAX_GAP + 1)  # end of the last token, candidate or not
    run_start = 0
    longest_run = 0
    at = 0
    while at < size:
        code = folding[codes[at]]
        if code == 0:
            at += 1
            continue
        # The first eight bytes make ``head``; the rest of the token is only skipped over.
        start = at
        head = np.uint64(code)
        at += 1
        while at < size:
            code = folding[codes[at]]
            if code == 0:
                break
            if at - start < 8:
                head |= np.uint64(code) << np.uint64(8 * (at - start))
            at += 1
        number += 1
        length = at - start
        word = head * p0
        word ^= word >> np.uint64(29)
        word *= p1
        token_slot = word >> fp_shift
        if (passes[token_slot >> np.uint64(3)] >> (token_slot & np.uint64(7))) & np.uint64(1):
            # ``tail``: the last eight bytes in its top bytes (zeros below for a shorter
            # token), as `token_hashes` reads them.
            if length <= 8:
                tail = head << np.uint64(8 * (8 - length))
            else:
                tail = np.uint64(0)
                for back in range(at - 8, at):
                    byte = np.uint64(folding[codes[back]])
                    tail = (tail >> np.uint64(8)) | (byte << np.uint64(56))
            mixed = head * k0
            mixed ^= tail * k1
            mixed ^= np.uint64(length) * k2
            mixed ^= mixed >> np.uint64(31)
            mixed *= k3
            mixed ^= mixed >> np.uint64(29)
            if not (previous == number - 1 and start - last_end <= MAX_GAP):
                for c in range(run_start, count):
                    run_ends[c] = count
                longest_run = max(longest_run, count - run_start)
                run_start = count
            starts[count] = start
            ends[count] = at
            hashes[count] = mixed
            count += 1
            previous = number
        last_end = at
    for c in range(run_start, count):
        run_ends[c] = count
    longest_run = max(longest_run, count - run_start)

    out = np.empty(64, dtype=np.int64)
    used = 0
    s0, s1, s2 = keys[_SEQUENCE], keys[_SEQUENCE + 1], keys[_SEQUENCE + 2]
    sums = np.zeros(count, dtype=np.uint64)
    for n in range(1, min(longest, longest_run) + 1):
        position = keys[_POSITION + n - 1]
        start_value = np.uint64(n) * s0
        length_bits = np.uint64(n) << np.uint64(FP_BITS)
        for row in range(count - n + 1):
            if row + n > run_ends[row]:
                continue
            sums[row] += hashes[row + n - 1] * position
            if n == 1 and ends[row] - starts[row] < shortest_single:
                continue  # no one-token form is this short (`forms.MIN_SINGLE_TOKEN_CHARS`)
            mixed = sums[row] + start_value
            mixed ^= mixed >> np.uint64(32)
            mixed *= s1
            mixed ^= mixed >> np.uint64(29)
            mixed *= s2
            slot = (mixed >> fp_shift) | length_bits
            if (sequence_bits[slot >> np.uint64(3)] >> (slot & np.uint64(7))) & np.uint64(1):
                if used + 2 + 2 * n > len(out):
                    grown = np.empty(2 * len(out), dtype=np.int64)
                    grown[:used] = out[:used]
                    out = grown
                out[used] = n
                out[used + 1] = np.int64(mixed)
                out[used + 2 : used + 2 + n] = starts[row : row + n]
                out[used + 2 + n : used + 2 + 2 * n] = ends[row : row + n]
                used += 2 + 2 * n
    return out[:used]


compiled = LazyKernel(scan)  # the kernel, compiled on its first call (None without numba)
