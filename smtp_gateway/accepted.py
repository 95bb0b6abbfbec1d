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
        """Before a 4xx: these recipients have their copy. Added to what is known already,
        since one message may come in several transactions (an MTA's recipient limit)."""
        kept = frozenset(addresses)
        if not kept:
            return
        key = _key(sender, raw)
        known = self._entries.get(key)
        self._put(key, (sender, len(raw)), kept | known.addresses if known else kept)

    def forget(self, sender: str, raw: bytes, addresses: Iterable[str]) -> None:
        """After an attempt that completed the message for these recipients; what is known
        of the message's other recipients (another transaction's) stays."""
        if not self._shapes[sender, len(raw)]:
            return
        key = _key(sender, raw)
        known = self._entries.get(key)
        if known is not None:
            self._put(key, known.shape, known.addresses.difference(addresses))

    def _put(self, key: bytes, shape: tuple[str, int], addresses: frozenset[str]) -> None:
        """Stored anew (so that the oldest come first), or dropped when empty."""
        self._drop(key)
        if not addresses:
            return
        self._entries[key] = _Entry(shape, self._clock() + self._keep, addresses)
        self._shapes[shape] += 1
        while len(self._entries) > self._max:
            self._drop(next(iter(self._entries)))

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
