"""The gateway's stamp on every copy it relays, and loop detection by it.

Relaying back through the cloud (Exchange Online's ``mail.protection.outlook.com``, Google's
``smtp-relay.gmail.com``) sends each copy into the service that handed it over. The service
must not hand it over again: its rule skips messages carrying ``X-DLP-Scanned`` (docs). When
that rule is missing or wrong, the copy comes back to the same recipients, and this module
sees it: a stamp whose MAC verifies under this gateway's key and that names every recipient of
the message (as keyed digests) means the copy already went through here for them, and it is
refused as a routing loop (``554 5.4.6``), so the sender gets a bounce instead of the message
circling.

The same stamp on a message to other recipients is not a loop: a district user's redirect or
auto-forward of a message they received keeps its header fields, and goes out to someone new.
It is scanned like any message (`dlp.actions.headers` removes every ``X-DLP-*`` field before
the gateway stamps its own). A stamp is never taken as "already scanned, pass it on": a stamp
copied into a new message to the same recipients is a refused loop, never an unscanned message.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
import re
from collections.abc import Iterable

from dlp.actions.headers import header_block
from dlp.domains import ascii_address

NAME = "X-DLP-Scanned"
_FIELD = re.compile(
    r"by=([^;\s]+);\s*id=([0-9A-Za-z]+);\s*rcpt=([0-9a-f,]*);\s*mac=([0-9a-f]{32})\s*$"
)
_PER_LINE = 6  # recipient digests per folded line: lines stay far below 998 octets


class LoopStamp:
    def __init__(self, hostname: str, secret: bytes) -> None:
        self.hostname = hostname
        # A key of its own, derived from the digest secret: a stamp reveals nothing of it.
        self.key = hmac.new(secret, b"k12-dlp loop stamp", hashlib.sha256).digest()

    def _digest(self, text: str, size: int) -> str:
        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:size]

    def _recipients(self, recipients: Iterable[str]) -> list[str]:
        # Keyed, so a stamp names no address; one form, so a copy's recipients match again.
        return sorted({self._digest("rcpt " + ascii_address(r).lower(), 12) for r in recipients})

    def _mac(self, host: str, message_id: str, tokens: Iterable[str]) -> str:
        return self._digest(f"{host} {message_id} {','.join(tokens)}", 32)

    def field(self, message_id: str, recipients: Iterable[str]) -> tuple[str, str]:
        """The header field for the copy of message ``message_id`` (its ``X-DLP-Id``) sent
        to ``recipients``."""
        tokens = self._recipients(recipients)
        lines = [",".join(tokens[i : i + _PER_LINE]) for i in range(0, len(tokens), _PER_LINE)]
        rcpt = ",\r\n ".join(lines)
        mac = self._mac(self.hostname, message_id, tokens)
        return NAME, f"by={self.hostname}; id={message_id}; rcpt={rcpt}; mac={mac}"

    def seen(self, raw: bytes, recipients: Iterable[str]) -> bool:
        """Whether ``raw`` carries a stamp this gateway made for a copy to every one of
        ``recipients`` (under any of its host names: the key decides)."""
        # A stamp is a field of the header block: only the block's first 64 KB are looked
        # through (the whole message's were: a copy and a lower-casing of every byte).
        block = header_block(raw)
        if NAME.lower().encode() not in block[:65536].lower():
            return False
        wanted = set(self._recipients(recipients))
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)
        for value in head.get_all(NAME, []):
            found = _FIELD.search("".join(str(value).split()).replace(";", "; "))
            if found is None:
                continue
            host, message_id, rcpt, mac = found.groups()
            tokens = [t for t in rcpt.split(",") if t]
            if hmac.compare_digest(mac, self._mac(host, message_id, tokens)) and wanted <= set(
                tokens
            ):
                return True
        return False
