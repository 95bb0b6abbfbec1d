"""Server-side sessions: the cookie holds only a random id; each session has its CSRF token.

Kept in memory: a restart signs everyone out, and no session can be forged from the database.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600


@dataclass(slots=True)
class Session:
    id: str = field(repr=False)
    username: str
    csrf: str = field(repr=False)
    created: float
    seen: float


class Sessions:
    def __init__(self, idle: float = IDLE_SECONDS, absolute: float = ABSOLUTE_SECONDS) -> None:
        self.idle, self.absolute = idle, absolute
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, username: str) -> Session:
        now = time.monotonic()
        session = Session(secrets.token_urlsafe(32), username, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._expire(now)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.created > self.absolute:
                del self._sessions[session_id]
                return None
            session.seen = now
            return session

    def drop(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def drop_user(self, username: str) -> None:
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.username == username]:
                del self._sessions[key]

    def _expire(self, now: float) -> None:
        for key in [
            key
            for key, session in self._sessions.items()
            if now - session.seen > self.idle or now - session.created > self.absolute
        ]:
            del self._sessions[key]
