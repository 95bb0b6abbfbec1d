"""Headers every response of the web application carries."""

from __future__ import annotations

from starlette.types import ASGIApp

from dlp.asgi_headers import AddHeaders

_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders(AddHeaders):
    """Adds the headers above to every response (pure ASGI: no buffering of bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, _SECURITY_HEADERS)
