"""Failed logins: after a few failures for one account from one client, or many from one
client whatever the accounts, wait.

The pair (account, client) gets the small bound, so one person's typos behind a shared proxy
or NAT lock out only that person on that address, not everyone behind it. The client alone
gets a higher bound, so one address cannot try many passwords by spreading them over account
names. Who "the client" is comes from the connection, or from a forwarded header only when the
connection is from a configured proxy (`dlp web` tells uvicorn which): a header anyone can
send must not pick the key it is limited under.
"""

from __future__ import annotations

import threading
import time
from collections import deque

PAIR_FAILURES = 5  # one account from one client
CLIENT_FAILURES = 50  # one client, over every account name it tries
WINDOW_SECONDS = 15 * 60


class LoginLimiter:
    def __init__(
        self,
        pair_failures: int = PAIR_FAILURES,
        client_failures: int = CLIENT_FAILURES,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.pair_failures, self.client_failures, self.window = (
            pair_failures,
            client_failures,
            window,
        )
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str) -> list[tuple[tuple[str, ...], int]]:
        return [
            (("pair", username.lower(), client), self.pair_failures),
            (("client", client), self.client_failures),
        ]

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, username: str, client: str) -> int:
        """Seconds to wait before trying again (0: go ahead)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, bound in self._keys(username, client):
                times = self._recent(key, now)
                if len(times) >= bound:
                    wait = max(wait, self.window - (now - times[-bound]))
                elif not times:
                    del self._failures[key]  # nothing to remember: the table stays small
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _bound in self._keys(username, client):
                self._recent(key, now).append(now)

    def succeeded(self, username: str, client: str) -> None:
        """Forget the pair's failures. The client's stay: signing in to one's own account
        must not reset the count of guesses at others'."""
        with self._lock:
            self._failures.pop(self._keys(username, client)[0][0], None)
