"""Recipients the next hop already took a message for, when the gateway still answered 4xx.

A message goes out in groups (plain, encrypted, TLS-required copies); when a later group fails
for now, the gateway answers 451 and the sending MTA tries the whole message again. The
recipients an earlier group reached are remembered here, so that the retry does not send them
a second copy. A retry is the same bytes from the same sender (an MTA resends its queue file),
so the key is a digest of both; a pre-check on (sender, size) spares the digest for the
messages that cannot be one.

In memory, per gateway process: after a restart, or for a retry that reaches another gateway
instance, a copy may still arrive twice, as before. Never lost: an address is skipped only
when the next hop accepted this very message for it.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Longer than MTAs keep retrying (Postfix's maximal_queue_lifetime is 5 days).
KEEP_SECONDS = 6 * 86_400
MAX_MESSAGES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    shape: tuple[str, int]
    expires: float
    addresses: frozenset[str]


class AcceptedCopies:
    """Not thread-safe: the relay calls it from its event loop only."""

    def __init__(
        self,
        keep_seconds: float = KEEP_SECONDS,
        max_messages: int = MAX_MESSAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keep = keep_seconds
        self._max = max_messages
        self._clock = clock
        self._entries: dict[bytes, _Entry] = {}  # oldest first
        self._shapes: Counter[tuple[str, int]] = Counter()

    def __len__(self) -> int:
        return len(self._entries)

    def already(self, sender: str, raw: bytes) -> frozenset[str]:
        """The recipients the next hop accepted this message for in an earlier attempt."""
        self._expire()
        if not self._shapes[sender, len(raw)]:
            return frozenset()
        entry = self._entries.get(_key(sender, raw))
        return entry.addresses if entry is not None else frozenset()

    def remember(self, sender: str, raw: bytes, addresses: Iterable[str]) -> None:
        """After a 4xx: these recipients have their copy."""
        kept = frozenset(addresses)
        key = _key(sender, raw)
        self._drop(key)
        if not kept:
            return
        shape = (sender, len(raw))
        self._entries[key] = _Entry(shape, self._clock() + self._keep, kept)
        self._shapes[shape] += 1
        while len(self._entries) > self._max:
            self._drop(next(iter(self._entries)))

    def forget(self, sender: str, raw: bytes) -> None:
        """After the attempt that completed the message."""
        if self._shapes[sender, len(raw)]:
            self._drop(_key(sender, raw))

    def _drop(self, key: bytes) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._shapes[entry.shape] -= 1
            if not self._shapes[entry.shape]:
                del self._shapes[entry.shape]

    def _expire(self) -> None:
        now = self._clock()
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if entry.expires > now:
                break
            self._drop(key)


def _key(sender: str, raw: bytes) -> bytes:
    digest = hashlib.sha256(sender.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(raw)
    return digest.digest()
