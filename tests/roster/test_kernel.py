"""The compiled kernel against the numpy stages it replaces, and how it is built.

With a filter and a bitset that let everything through, the kernel reports every token and
every sequence it hashes, so each one can be held to `tokenize`, `token_hashes` and
`run_hashes`. With the real roster filters, the sequences it sends to HMAC verification must
be the numpy path's, in the same order. numba is imported only when a matcher first scans (or
is warmed), and a install with no writable cache location still compiles, in memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.roster import kernel
from dlp.roster.fingerprint import (
    FP_BITS,
    MAX_FORM_TOKENS,
    MAX_GAP,
    FingerprintKeys,
    fingerprint_words,
    fold,
    is_weak,
    prefix_words,
    run_hashes,
    token_hashes,
    tokenize,
)
from dlp.roster.matcher import CHUNK_CHARS, RosterMatcher
from dlp.roster.secret import RosterKeys
from dlp.roster.store import RosterStore

from .conftest import SECRET
from .test_equivalence import texts

ROOT = Path(__file__).resolve().parents[2]
KEYS = FingerprintKeys.derive(RosterKeys(SECRET))
ALL_PASS = np.full((1 << FP_BITS) // 8, 0xFF, dtype=np.uint8)  # a bitset: every token passes
ALL_SEQUENCES = np.full(((MAX_FORM_TOKENS + 1) << FP_BITS) // 8 + 1, 0xFF, dtype=np.uint8)

# Tokens of every length around the 8 bytes a prefix reads, marks, other scripts, gaps of 0..5
# separators (MAX_GAP is 3), and digits.
token_text = st.lists(
    st.one_of(
        st.text(alphabet="abcXYZ019", min_size=1, max_size=12),
        st.sampled_from(["Jürgen", "Ju\u0308rgen", "Strauß", "Ελένη", "\u0301", "ø", "𝐀𝐁"]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    ),
    max_size=30,
).flatmap(
    lambda parts: st.lists(
        st.sampled_from(["", " ", ", ", " - ", "     ", ".\n", "'"]),
        min_size=len(parts),
        max_size=len(parts),
    ).map(lambda gaps: "".join(p + g for p, g in zip(parts, gaps, strict=True)))
)


def _numpy_sequences(
    text: str, longest: int, passing: set[int] | None = None
) -> tuple[list[tuple[int, int]], list[tuple]]:
    """Every token (code span) and every (first token, length, hash) the numpy stages give
    when every token passes (or the tokens whose prefix fingerprint is in ``passing``), in
    `RosterMatcher._scan`'s order (length, then first token)."""
    table = tokenize(text)
    count = len(table)
    spans = list(zip(table.starts.tolist(), table.ends.tolist(), strict=True))
    if not count:
        return spans, []
    index = np.arange(count)
    hashes = token_hashes(table, KEYS, index)
    full = run_hashes(hashes, longest, KEYS)
    prints = fingerprint_words(prefix_words(table)[0], KEYS).tolist()
    passes = [passing is None or prints[i] in passing for i in range(count)]
    # Two tokens are linked when both pass and they are close: a run is a stretch of linked
    # tokens, and one of weak tokens only is not looked up.
    linked = [
        passes[i] and passes[i + 1] and table.starts[i + 1] - table.ends[i] <= MAX_GAP
        for i in range(count - 1)
    ]
    codes, _ = fold(text)
    weak = [is_weak(codes[s:e]) for s, e in spans]
    run = [0]
    for i in range(count - 1):
        run.append(run[-1] + (not linked[i]))
    strong_runs = {run[i] for i in range(count) if passes[i] and not weak[i]}
    sequences = []
    for length in range(1, longest + 1):
        for row in range(count - length + 1):
            if passes[row] and all(linked[row : row + length - 1]) and run[row] in strong_runs:
                sequences.append((row, length, int(full[row, length - 1])))
    return spans, sequences


@pytest.fixture(scope="module")
def scan() -> kernel.Kernel:
    compiled = kernel.compiled()
    assert compiled is not None, "numba is not importable"
    return compiled


def _kernel_sequences(
    scan: kernel.Kernel, text: str, longest: int, passing: set[int] | None = None
) -> list[tuple]:
    """The kernel's output, as `_numpy_sequences`: the sequence bitset lets everything
    through, the token filter every token (or those whose fingerprints are in ``passing``)."""
    codes, _ = fold(text)
    # Fed twice: as folded codes, and (ASCII text) as the raw text it folds itself.
    inputs = [(codes, False)]
    if text.isascii():
        inputs.append((text.encode("ascii"), True))
    results = []
    # A buffer too short for most texts here: each must be grown into, and read the same.
    keys = kernel.constants(KEYS)
    token_filter = ALL_PASS
    if passing is not None:
        token_filter = np.zeros_like(ALL_PASS)
        for slot in passing:
            token_filter[slot >> 3] |= 1 << (slot & 7)
    candidates = kernel.CandidateScan(scan, token_filter, ALL_SEQUENCES, keys, longest)
    candidates._local.out = np.empty(4, dtype=np.int64)
    for raw, ascii_text in inputs:
        values = candidates(raw, ascii_text)
        at, sequences = 0, []
        while at < len(values):
            n, seen = values[at], values[at + 1] % 2**64
            starts, ends = values[at + 2 : at + 2 + n], values[at + 2 + n : at + 2 + 2 * n]
            sequences.append((starts, ends, seen))
            at += 2 + 2 * n
        results.append(sequences)
    assert all(result == results[0] for result in results)
    return results[0]


def _as_spans(spans: list[tuple[int, int]], sequences: list[tuple]) -> list[tuple]:
    return [
        ([s for s, _ in spans[row : row + n]], [e for _, e in spans[row : row + n]], seen)
        for row, n, seen in sequences
    ]


@settings(max_examples=300, deadline=None)
@given(text=token_text, longest=st.integers(1, MAX_FORM_TOKENS))
def test_kernel_hashes_every_token_and_sequence_as_numpy(
    scan: kernel.Kernel, text: str, longest: int
) -> None:
    spans, sequences = _numpy_sequences(text, longest)
    got = _kernel_sequences(scan, text, longest)
    assert got == _as_spans(spans, sequences)
    # Length-1 sequences are the tokens themselves: every one in a run that is looked up.
    singles = [(row, n) for row, n, _ in sequences if n == 1]
    assert [(s[0], e[0]) for s, e, _ in got[: len(singles)]] == [spans[r] for r, _ in singles]


@settings(max_examples=300, deadline=None)
@given(text=token_text, longest=st.integers(1, MAX_FORM_TOKENS), data=st.data())
def test_kernel_grows_runs_between_tokens_the_filter_drops(
    scan: kernel.Kernel, text: str, longest: int, data: st.DataObject
) -> None:
    # The kernel grows each run from its strong tokens and stops at a token the filter
    # drops; the model cuts runs there. Any subset of the text's tokens may pass.
    prints = fingerprint_words(prefix_words(tokenize(text))[0], KEYS).tolist()
    passing = data.draw(st.sets(st.sampled_from(prints)) if prints else st.just(set()))
    spans, sequences = _numpy_sequences(text, longest, passing)
    assert _kernel_sequences(scan, text, longest, passing) == _as_spans(spans, sequences)


def test_kernel_sees_sequences_across_many_tokens(scan: kernel.Kernel) -> None:
    # More hits than its first output buffer holds, and long runs: every sequence, in order.
    text = " ".join(f"w{n % 97}" for n in range(3000))
    spans, sequences = _numpy_sequences(text, MAX_FORM_TOKENS)
    assert len(sequences) > 20_000
    assert _kernel_sequences(scan, text, MAX_FORM_TOKENS) == _as_spans(spans, sequences)


# Every ASCII byte, with tokens of 1..20 letters or digits: the kernel folds ASCII eight bytes
# at a time with range tests whose neighbours ("@", "[", "`", "{", "/", ":", and the control
# bytes 0x10-0x19, which setting the case bit would turn into digits) must all stay separators.
ascii_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20),
        st.text(alphabet="aZz09AM", min_size=1, max_size=20),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=ascii_text, longest=st.integers(1, MAX_FORM_TOKENS))
def test_kernel_folds_any_ascii_as_fold_does(scan: kernel.Kernel, text: str, longest: int) -> None:
    spans, sequences = _numpy_sequences(text, longest)
    assert _kernel_sequences(scan, text, longest) == _as_spans(spans, sequences)


@pytest.mark.parametrize("size", [7, 8, 9, 63, 64, 65, 127, 128, 129])
def test_kernel_tokens_at_word_and_block_edges(scan: kernel.Kernel, size: int) -> None:
    # Tokens that start, end or run across the 8-byte words and 64-byte blocks the kernel
    # reads, up to the text's last byte.
    for token in (1, 7, 8, 9, 20):
        text = ("x" * token + " ") * (size // (token + 1)) + "y" * (size % (token + 1))
        spans, sequences = _numpy_sequences(text, 3)
        assert _kernel_sequences(scan, text, 3) == _as_spans(spans, sequences), text


def _verified(matcher: RosterMatcher, text: str) -> list[tuple[list[int], list[int], int]]:
    """What ``find`` sends to HMAC verification, from a cold verification cache."""
    calls: list[tuple[list[int], list[int], int]] = []
    verify = RosterMatcher._verify

    def recording(chunk: str, starts: list[int], ends: list[int], seen: int) -> int:
        calls.append((starts, ends, seen))
        return verify(matcher, chunk, starts, ends, seen)

    matcher._verified.clear()
    matcher._verify = recording  # type: ignore[method-assign]
    try:
        matcher.find(text)
    finally:
        del matcher._verify
    return calls


@pytest.fixture(scope="module")
def with_numpy(small_store: RosterStore) -> RosterMatcher:
    return RosterMatcher(small_store.load(), RosterKeys(SECRET), short_text_chars=0, compiled=False)


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_kernel_verifies_the_numpy_paths_sequences(
    with_numpy: RosterMatcher, compiled: RosterMatcher, text: str
) -> None:
    assert _verified(compiled, text) == _verified(with_numpy, text)


def test_kernel_across_chunks(with_numpy: RosterMatcher, compiled: RosterMatcher) -> None:
    piece = "Re: Lisa S. Woods (S1001), DOB 09/13/2008; GARCÍA-LÓPEZ, MARÍA JOSÉ; Jürgen Strauß\n"
    text = piece * (3 * CHUNK_CHARS // len(piece))
    calls = _verified(compiled, text)
    assert calls == _verified(with_numpy, text)
    found = compiled.find(text)
    assert found == with_numpy.find(text)
    assert len({m.start for m in found}) >= 3 * text.count("Woods")


def _run(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_roster_compiles_nothing() -> None:
    out = _run(
        "import sys\n"
        "import dlp.roster.kernel, dlp.roster.matcher, dlp.roster.store, dlp.detect.roster\n"
        "print('numba' in sys.modules, dlp.roster.kernel.compiled.built)\n"
    )
    assert out.split() == ["False", "False"]


def test_compiles_in_memory_without_a_writable_cache(
    small_store: RosterStore, with_numpy: RosterMatcher, tmp_path: Path
) -> None:
    # As on a read-only install with no writable home: numba finds no cache location at all.
    text = "Lisa S. Woods, DOB 09/13/2008 and Jürgen Strauß (S1004), Sean O'Brien"
    out = _run(
        "import errno\n"
        "import numba.core.caching as caching\n"
        "def refuse(self):\n"
        "    raise OSError(errno.EROFS, 'read-only file system')\n"
        "caching._CacheLocator.ensure_cache_path = refuse\n"
        "from dlp.roster.store import RosterStore\n"
        "from dlp.roster import kernel\n"
        f"matcher = RosterStore.open({str(small_store.path)!r}, {SECRET!r}).matcher()\n"
        f"found = matcher.find({text!r})\n"
        "print(kernel.compiled() is not None, kernel.compiled()._cache.__class__.__name__)\n"
        "print(sorted((m.start, m.end, m.entity_type, m.confirmed_by_dob) for m in found))\n",
        NUMBA_CACHE_DIR=str(tmp_path / "unused"),
    )
    compiled_line, found_line = out.splitlines()
    assert compiled_line == "True NullCache"
    expected = sorted(
        (m.start, m.end, m.entity_type, m.confirmed_by_dob) for m in with_numpy.find(text)
    )
    assert found_line == str(expected)
    assert len(expected) >= 3
    assert not (tmp_path / "unused").exists()
