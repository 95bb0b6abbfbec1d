"""Short keyed fingerprints of every token in a text, computed in a few numpy passes.

The matcher cannot afford an HMAC per token (millions in a large attachment), so it first
computes, for all tokens at once, a 24-bit keyed fingerprint of each token's first eight folded
bytes and keeps only tokens whose fingerprint belongs to the roster; only runs of such tokens
get a fuller 64-bit token hash, a 24-bit sequence fingerprint, and finally (for the few that
pass) the authoritative HMAC of the normalized text.

The same functions fingerprint the roster at import (over a text made of the roster's own
tokens), so both sides agree by construction. The mixing constants come from the district's
secret; 24 bits leave each stored fingerprint shared by many possible values, so the
fingerprint files reveal little even to someone who recovers those constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from dlp.roster.secret import RosterKeys
from dlp.roster.text import DROPPED, SEPARATOR, code_table

FP_BITS = 24
MAX_FORM_TOKENS = 8
MAX_GAP = 3  # characters allowed between two tokens of one form: ", " ". " " - " '","'

_U64 = np.uint64
_PAD = b"\0" * 8
_FP_SHIFT = _U64(64 - FP_BITS)
_MASK_LOW = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
_MASK_HIGH = np.array([~((1 << (8 * (8 - n))) - 1) & (2**64 - 1) for n in range(9)], np.uint64)


@dataclass(frozen=True, slots=True)
class FingerprintKeys:
    """Odd 64-bit multipliers derived from the secret (never stored)."""

    prefix: tuple[int, int]
    token: tuple[int, int, int, int]
    position: tuple[int, ...]  # one per token position in a form
    sequence: tuple[int, int, int]

    @classmethod
    def derive(cls, keys: RosterKeys) -> FingerprintKeys:
        words: list[int] = []
        for block in range(5):
            digest = keys.derive(f"fingerprint/{block}")
            words += [int.from_bytes(digest[i : i + 8], "little") | 1 for i in range(0, 32, 8)]
        return cls(
            prefix=(words[0], words[1]),
            token=(words[2], words[3], words[4], words[5]),
            position=tuple(words[6 : 6 + MAX_FORM_TOKENS]),
            sequence=tuple(words[6 + MAX_FORM_TOKENS : 9 + MAX_FORM_TOKENS]),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class TokenTable:
    """The tokens of one text: spans in the text, spans in the folded code buffer."""

    text_starts: np.ndarray  # intp, offsets into the text given to `tokenize`
    text_ends: np.ndarray
    starts: np.ndarray  # intp, offsets into the code buffer (differ once marks are dropped)
    ends: np.ndarray
    head: np.ndarray  # uint64 view: head[i] = codes[i : i + 8]
    tail: np.ndarray  # uint64 view: tail[i] = codes[i - 8 : i]

    def __len__(self) -> int:
        return len(self.starts)


_FOLDED_DROPPED = 0x01
# ASCII letters and digits to their lower-case byte, everything else to the separator byte.
ASCII_FOLDING = bytes(c | 0x20 if chr(c).isalnum() else SEPARATOR for c in range(128)) + bytes(128)


def _codes(text: str) -> tuple[bytes, np.ndarray | None]:
    """The folded code bytes (`SEPARATOR` between tokens) and, if marks were dropped, each
    code's position in the text."""
    if text.isascii():
        return text.encode("ascii").translate(ASCII_FOLDING), None
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes = folded_code_table().take(points)
    positions = None
    dropped = codes == _FOLDED_DROPPED
    if dropped.any():
        positions = (~dropped).nonzero()[0]
        codes = codes[positions]
    return codes.tobytes(), positions


@cache
def folded_code_table() -> np.ndarray:
    """`code_table` with bit 5 set in every token byte, as ASCII lower case and digits have it,
    so that fingerprints read any token's bytes as they are; dropped marks become a byte
    without bit 5 (0xFF would now be ambiguous)."""
    table = code_table()
    token = (table != SEPARATOR) & (table != DROPPED)
    folded = np.where(token, table | 0x20, SEPARATOR).astype(np.uint8)
    folded[table == DROPPED] = _FOLDED_DROPPED
    return folded


def tokenize(text: str) -> TokenTable:
    # Few numpy calls, and methods rather than their Python-level np.* wrappers: for a short
    # text, the fixed cost of each call is most of the time.
    codes, positions = _codes(text)
    size = len(codes)
    buffer = _PAD + codes + _PAD
    # is_token over the codes with one separator of padding on each side, so tokens always
    # start and end at a change and bounds alternate start, end, start, end ...
    is_token = np.frombuffer(buffer, dtype=np.uint8, count=size + 2, offset=7) != SEPARATOR
    bounds = (is_token[1:] != is_token[:-1]).nonzero()[0]
    starts = bounds[0::2]
    ends = bounds[1::2]
    head = np.ndarray(shape=(size + 1,), dtype="<u8", buffer=buffer, offset=8, strides=(1,))
    tail = np.ndarray(shape=(size + 9,), dtype="<u8", buffer=buffer, offset=0, strides=(1,))
    if positions is None:
        text_starts, text_ends = starts, ends
    else:
        text_starts = positions[starts]
        # A token ends where the next kept character starts, so trailing marks stay inside it.
        text_ends = np.append(positions, len(text))[ends]
    return TokenTable(text_starts, text_ends, starts, ends, head, tail)


def _prefixes(table: TokenTable, index: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    starts = table.starts if index is None else table.starts[index]
    ends = table.ends if index is None else table.ends[index]
    lengths = ends - starts
    words = table.head.take(starts)
    words &= _MASK_LOW.take(lengths, mode="clip")  # clip: any length past 8 keeps 8 bytes
    return words, lengths


def prefix_words(table: TokenTable) -> tuple[np.ndarray, np.ndarray]:
    """Each token's first eight folded bytes (as uint64, zero past its end), and its length."""
    return _prefixes(table, None)


def prefix_fingerprints(table: TokenTable, keys: FingerprintKeys) -> np.ndarray:
    """A 24-bit fingerprint (as intp) of each token's first eight folded bytes."""
    return fingerprint_words(prefix_words(table)[0], keys)


# A weak token: one code byte, or two or three ASCII digits. Times, house numbers, days and
# initials are most of the tokens a school text shares with a roster; no form is made of weak
# tokens alone (`forms`), so a run of them is never looked up.
WEAK_DIGITS = 3


def is_weak(codes: bytes) -> bool:
    """Whether a token, as its folded code bytes, is weak."""
    return len(codes) == 1 or (len(codes) <= WEAK_DIGITS and all(0x30 <= b <= 0x39 for b in codes))


def weak_words(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`is_weak` of tokens given as `prefix_words` (first eight bytes, zero past the end)."""
    digits = np.ones(len(words), dtype=bool)
    for byte in range(WEAK_DIGITS):
        value = (words >> _U64(8 * byte)) & _U64(0xFF)
        digits &= (byte >= lengths) | ((value >= 0x30) & (value <= 0x39))
    return (lengths == 1) | ((lengths <= WEAK_DIGITS) & digits)


def fingerprint_words(words: np.ndarray, keys: FingerprintKeys) -> np.ndarray:
    """`prefix_fingerprints` from `prefix_words` (left unchanged)."""
    words = words * _U64(keys.prefix[0])
    words ^= words >> _U64(29)
    words *= _U64(keys.prefix[1])
    words >>= _FP_SHIFT
    return words.view(np.int64)


def token_hashes(
    table: TokenTable,
    keys: FingerprintKeys,
    index: np.ndarray,
    prefixes: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """A 64-bit keyed hash of whole tokens (first eight bytes, last eight bytes, length).

    ``prefixes``: `prefix_words` of the whole table, when already computed.
    """
    if prefixes is None:
        head, lengths = _prefixes(table, index)
    else:
        head, lengths = prefixes[0].take(index), prefixes[1].take(index)
    tail = table.tail.take(table.ends.take(index))
    tail &= _MASK_HIGH.take(lengths, mode="clip")  # clip: any length past 8 keeps 8 bytes
    k0, k1, k2, k3 = (_U64(k) for k in keys.token)
    mixed = head * k0
    mixed ^= tail * k1
    mixed ^= lengths.astype(np.uint64) * k2
    mixed ^= mixed >> _U64(31)
    mixed *= k3
    mixed ^= mixed >> _U64(29)
    return mixed


def sequence_fingerprints(hashes: np.ndarray, keys: FingerprintKeys) -> np.ndarray:
    """24-bit fingerprints of token sequences; ``hashes`` has one row per sequence."""
    return sequence_hashes(hashes, keys) >> _FP_SHIFT


def sequence_hashes(hashes: np.ndarray, keys: FingerprintKeys) -> np.ndarray:
    """64-bit keyed hashes of token sequences (their top 24 bits are the fingerprint)."""
    count, length = hashes.shape
    start = (length * keys.sequence[0]) % 2**64
    mixed = np.full(count, start, dtype=np.uint64)
    for position in range(length):
        mixed += hashes[:, position] * _U64(keys.position[position])
    mixed ^= mixed >> _U64(32)
    mixed *= _U64(keys.sequence[1])
    mixed ^= mixed >> _U64(29)
    mixed *= _U64(keys.sequence[2])
    return mixed


def run_hashes(hashes: np.ndarray, longest: int, keys: FingerprintKeys) -> np.ndarray:
    """Column ``n - 1`` of row ``i``: `sequence_hashes` of the ``n`` tokens from ``i`` on.

    Every length at once (rows near the end hash zeros past the last token; the caller masks
    them), since for a short text one pass costs less than a pass per length. Computed one
    length per row and returned transposed: numpy's inner loops then run over the tokens, not
    over a handful of lengths (several times faster for the few hundred tokens of a segment).
    """
    count = len(hashes)
    padded = np.concatenate((hashes, np.zeros(longest - 1, dtype=np.uint64)))
    windows = np.ndarray((longest, count), np.uint64, padded, strides=(8, 8))
    mixed = windows * _position_column(keys, longest)
    for length in range(1, longest):  # a row at a time: cumsum(axis=0) is slower here
        mixed[length] += mixed[length - 1]
    mixed += _length_column(keys, longest)
    mixed ^= mixed >> _U64(32)
    mixed *= _U64(keys.sequence[1])
    mixed ^= mixed >> _U64(29)
    mixed *= _U64(keys.sequence[2])
    return mixed.T


@cache
def _position_column(keys: FingerprintKeys, longest: int) -> np.ndarray:
    return np.array(keys.position[:longest], dtype=np.uint64).reshape(longest, 1)


@cache
def _length_column(keys: FingerprintKeys, longest: int) -> np.ndarray:
    lengths = np.arange(1, longest + 1, dtype=np.uint64)
    return (lengths * _U64(keys.sequence[0])).reshape(longest, 1)


_M64 = 2**64 - 1


def token_values(token: bytes, keys: FingerprintKeys) -> tuple[int, int]:
    """`prefix_fingerprints` and `token_hashes` of one token of folded code bytes, in Python
    (for a short text, cheaper than the fixed cost of the numpy calls)."""
    size = len(token)
    kept = min(size, 8)
    head = int.from_bytes(token[:8], "little")
    tail = int.from_bytes(token[-8:], "little") << (8 * (8 - kept))
    p0, p1 = keys.prefix
    word = head * p0 & _M64
    word ^= word >> 29
    prefix = (word * p1 & _M64) >> (64 - FP_BITS)
    k0, k1, k2, k3 = keys.token
    mixed = (head * k0 ^ tail * k1 ^ size * k2) & _M64
    mixed ^= mixed >> 31
    mixed = mixed * k3 & _M64
    mixed ^= mixed >> 29
    return prefix, mixed


def sequence_hash(hashes: list[int], keys: FingerprintKeys) -> int:
    """`sequence_hashes` of one sequence, in Python."""
    mixed = len(hashes) * keys.sequence[0]
    for value, multiplier in zip(hashes, keys.position, strict=False):
        mixed += value * multiplier
    mixed &= _M64
    mixed ^= mixed >> 32
    mixed = mixed * keys.sequence[1] & _M64
    mixed ^= mixed >> 29
    return mixed * keys.sequence[2] & _M64


def fold(text: str) -> tuple[bytes, np.ndarray | None]:
    """The folded code bytes of a text (`SEPARATOR` between tokens) and, if marks were
    dropped, each code's position in the text: what `tokenize` reads."""
    return _codes(text)
