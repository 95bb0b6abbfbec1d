"""Checking an audit chain (`dlp.audit`) across its rotated files and against its checkpoints.

What each part proves:
- the MACs (with the chain key): no entry was edited, inserted, reordered or dropped in the
  middle, and no chain was recomputed by someone without the key;
- the links (``prev``) and sequence numbers, which need no key: the files follow one another;
- the signed checkpoints (with the public key alone): the chain once had ``count`` entries
  ending in ``head``. A log holding fewer entries (cut at a line boundary, emptied) or another
  entry at that position (first entries dropped and the rest re-chained, or a chain started
  over) fails, and so does a chain that starts after entry 0 with no checkpoint vouching for
  the files before it;
- a host's checkpoints alone (`check_host_checkpoints`): every signature holds and no later
  checkpoint vouches for fewer entries than an earlier one (a chain started over).

Entries after the last checkpoint are covered by the MACs only: `Verification.unanchored`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dlp.audit_chain import GENESIS, chain_files, entry_hash, entry_mac, link_of, read_lines
from dlp.audit_checkpoints import Checkpoint
from dlp.audit_keys import AuditKeys


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int  # entries checked and found sound
    first_bad_line: int | None = None  # 1-based, in `file`
    reason: str = ""
    file: Path | None = None
    head: str = GENESIS  # the last sound entry's MAC
    count: int = 0  # the chain's length: the last sound entry's seq + 1
    first_seq: int = 0  # entries before it were rotated away (vouched for by a checkpoint)
    legacy: int = 0  # entries from before keyed chains, checked by the old unkeyed rule
    macs_checked: bool = True
    checkpoints: int = 0  # checkpoints found to match the log
    unanchored: int = 0  # entries after the last checkpoint
    notes: tuple[str, ...] = field(default=())


def _when(checkpoint: Checkpoint) -> str:
    return datetime.fromtimestamp(checkpoint.time, UTC).isoformat(timespec="seconds")


def _bad_signature(checkpoint: Checkpoint) -> str:
    return (
        f"the checkpoint of {checkpoint.count} entries ({_when(checkpoint)}) has a bad "
        "signature: not made with this signing key, or altered"
    )


def check_host_checkpoints(
    checkpoints: Sequence[Checkpoint], public_key: Ed25519PublicKey
) -> str | None:
    """Why one host's checkpoints do not hold, or None: each signature is good and, in the
    order they were signed, no count goes down and no count has two heads."""
    seen: dict[int, str] = {}
    highest = 0
    for checkpoint in sorted(checkpoints, key=lambda item: (item.time, item.count)):
        if not checkpoint.valid(public_key):
            return _bad_signature(checkpoint)
        if checkpoint.count < highest:
            return (
                f"a checkpoint of {checkpoint.count} entries ({_when(checkpoint)}) follows one of "
                f"{highest}: the chain was started over and entries were lost"
            )
        if seen.setdefault(checkpoint.count, checkpoint.head) != checkpoint.head:
            return f"two checkpoints of {checkpoint.count} entries with different heads"
        highest = checkpoint.count
    return None


def verify_chain(
    path: Path,
    keys: AuditKeys | None,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
) -> Verification:
    """Check the whole chain, oldest rotated file first; report the first thing that fails."""
    key = keys.chain_key if keys is not None else None
    if public_key is None and keys is not None:
        public_key = keys.public_key
    vouched = {(c.count, c.head) for c in checkpoints}
    wanted = {c.count for c in checkpoints}
    found: dict[int, tuple[str, Path, int]] = {}  # count -> (head, file, line) at that count
    expected: int | None = None
    first_seq = 0
    prev = GENESIS
    good = legacy = 0
    keyed = False
    last_file: Path | None = None

    def fail(file: Path | None, line: int | None, reason: str) -> Verification:
        return Verification(
            False, good, line, reason, file, prev, expected or 0, first_seq, legacy, key is not None
        )

    for file in chain_files(path):
        last_file = file
        for number, line in enumerate(read_lines(file), start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                return fail(file, number, "not a JSON entry")
            if not isinstance(entry, dict) or not ("mac" in entry or "hash" in entry):
                return fail(file, number, "no MAC")
            seq = entry.get("seq")
            if expected is None:
                if not isinstance(seq, int) or seq < 0:
                    return fail(file, number, f"sequence {seq} != 0")
                if seq > 0 and (seq, entry.get("prev")) not in vouched:
                    return fail(
                        file,
                        number,
                        f"the chain starts at entry {seq}: entries 0 to {seq - 1} are missing "
                        "and no checkpoint vouches for them",
                    )
                expected = first_seq = seq
                prev = GENESIS if seq == 0 else str(entry.get("prev"))
                found[seq] = (prev, file, number)
            if seq != expected:
                return fail(file, number, f"sequence {seq} != {expected}")
            if entry.get("prev") != prev:
                return fail(file, number, "does not follow the previous entry")
            if "mac" in entry:
                keyed = True
                if key is not None and entry_mac(key, entry) != entry["mac"]:
                    return fail(file, number, "content changed after it was written (MAC)")
            else:
                if keyed:
                    return fail(file, number, "an unkeyed entry after keyed ones")
                if entry_hash(entry) != entry["hash"]:
                    return fail(file, number, "content changed after it was written")
                legacy += 1
            prev = link_of(entry)
            good += 1
            expected = seq + 1
            if expected in wanted:
                found[expected] = (prev, file, number)
    count = expected or 0
    matched = 0
    for checkpoint in sorted(checkpoints, key=lambda item: item.count):
        if public_key is not None and not checkpoint.valid(public_key):
            return fail(None, None, _bad_signature(checkpoint))
        if checkpoint.count > count:
            return fail(
                last_file,
                None,
                f"a checkpoint signed {_when(checkpoint)} vouches for {checkpoint.count} entries; "
                f"the log holds {count}: entries were cut off",
            )
        if checkpoint.count < first_seq:
            continue  # in files rotated away; the checkpoint at the start vouches for them
        head, file, number = found[checkpoint.count]
        if head != checkpoint.head:
            return fail(
                file,
                number,
                f"entry {checkpoint.count - 1} is not the one the checkpoint signed "
                f"{_when(checkpoint)} vouches for: the log was rewritten, re-chained or started "
                "over",
            )
        matched += 1
    notes: list[str] = []
    if key is None:
        notes.append("MACs not checked (no chain key): links and checkpoints only")
    if checkpoints and public_key is None:
        notes.append("checkpoint signatures not checked (no public key)")
    anchored = max((c.count for c in checkpoints), default=0)
    return Verification(
        True,
        good,
        None,
        "",
        None,
        prev,
        count,
        first_seq,
        legacy,
        key is not None,
        matched,
        max(0, count - anchored),
        tuple(notes),
    )
