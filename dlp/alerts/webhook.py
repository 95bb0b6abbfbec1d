"""Posting an alert to a webhook: JSON, signed with HMAC-SHA256 under the district's secret.

The receiver checks ``X-DLP-Signature: sha256=HEX``, the HMAC of ``TIMESTAMP.BODY`` (the
``X-DLP-Timestamp`` header, seconds since the epoch, then a dot, then the body's bytes), and
may refuse an old timestamp to stop replays. ``X-DLP-Alert-Id`` is the same on every retry of
one alert, so that a receiver can drop a repeat (a retry follows a lost answer too).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

SIGNATURE_HEADER = "X-DLP-Signature"
TIMESTAMP_HEADER = "X-DLP-Timestamp"
ID_HEADER = "X-DLP-Alert-Id"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return (
        "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


def verify(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """The receiver's check (for tests and for districts writing a receiver in Python)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


@dataclass(frozen=True, slots=True)
class Posted:
    ok: bool
    detail: str  # "200", "500 Internal Server Error", "ConnectionRefusedError": no content


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: the signed body goes only where the settings say."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, secret: bytes, body: bytes, alert_id: str, now: float, timeout: float) -> Posted:
    """One attempt; never raises for what the network or the receiver does."""
    timestamp = str(int(now))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "dlp-alerts",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            ID_HEADER: alert_id,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return Posted(False, f"{error.code} {error.reason}"[:200])
    except urllib.error.URLError as error:
        reason = error.reason
        return Posted(False, type(reason).__name__ if isinstance(reason, Exception) else "URLError")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Posted(False, type(error).__name__)
    return Posted(200 <= status < 300, str(status))
