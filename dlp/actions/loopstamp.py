"""The gateway's stamp on every copy it relays, and loop detection by it.

Relaying back through the cloud (Exchange Online's ``mail.protection.outlook.com``, Google's
``smtp-relay.gmail.com``) sends each copy into the service that handed it over. The service
must not hand it over again: its rule skips messages carrying ``X-DLP-Scanned`` (docs). When
that rule is missing or wrong, the copy comes back, and this module sees it: a stamp whose MAC
verifies under this gateway's key means the message already went through here, and it is
refused as a routing loop (``554 5.4.6``), so the sender gets a bounce instead of the message
circling.

A stamp is never taken as "already scanned, pass it on": a stamp copied out of a message a
user once received would then carry new content past the scan. Copied stamps are refused as
loops (the safe side); forged ones (no valid MAC) are ignored, and `dlp.actions.headers`
removes every ``X-DLP-*`` field before the gateway stamps its own.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
import re

from dlp.actions.headers import header_block

NAME = "X-DLP-Scanned"
_FIELD = re.compile(r"by=([^;\s]+);\s*id=([0-9A-Za-z]+);\s*mac=([0-9a-f]{32})\s*$")


class LoopStamp:
    def __init__(self, hostname: str, secret: bytes) -> None:
        self.hostname = hostname
        # A key of its own, derived from the digest secret: a stamp reveals nothing of it.
        self.key = hmac.new(secret, b"k12-dlp loop stamp", hashlib.sha256).digest()

    def _mac(self, host: str, message_id: str) -> str:
        text = f"{host} {message_id}".encode()
        return hmac.new(self.key, text, hashlib.sha256).hexdigest()[:32]

    def field(self, message_id: str) -> tuple[str, str]:
        """The header field for a copy of message ``message_id`` (the ``X-DLP-Id``)."""
        mac = self._mac(self.hostname, message_id)
        return NAME, f"by={self.hostname}; id={message_id}; mac={mac}"

    def seen(self, raw: bytes) -> bool:
        """Whether ``raw`` carries a stamp this gateway made (under any of its host names:
        the key decides, so a renamed gateway still knows its own copies)."""
        if NAME.lower().encode() not in raw[:65536].lower():
            return False
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
            header_block(raw)
        )
        for value in head.get_all(NAME, []):
            found = _FIELD.search(" ".join(str(value).split()))
            if found and hmac.compare_digest(
                found.group(3), self._mac(found.group(1), found.group(2))
            ):
                return True
        return False
