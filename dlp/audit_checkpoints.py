"""Signed checkpoints of the audit chain's head, and where they are sent.

A checkpoint says "host H's chain had N entries, and the last one's MAC was X", signed with the
audit signing key (Ed25519, `dlp.audit_keys`). Whoever holds the public key alone can check a
checkpoint; one that vouches for more entries than the log holds, or for a head the log no
longer has at that position, proves entries were cut off, dropped or rewritten.

Sinks: the quarantine database (`dlp.quarantine.checkpoints.CheckpointBook.record`, every host
in its own rows, so gateways sharing a PostgreSQL quarantine each anchor their own chain there)
and syslog when ``[logging] syslog`` names one (`syslog_sink`). A sink that fails is logged,
never raised: the entry it checkpoints is already written.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dlp.audit_keys import AuditKeys, fingerprint, verify_signature

_CONTEXT = b"k12-dlp audit checkpoint v1\n"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    host: str
    count: int  # entries in the chain, rotated files included
    head: str  # the MAC (or, for a log from before keyed chains, the hash) of entry count-1
    time: int  # seconds since the epoch, UTC
    key_id: str  # fingerprint of the signing key's public half
    signature: str = ""  # hex Ed25519 signature over `payload`

    def payload(self) -> bytes:
        body = {
            "host": self.host,
            "count": self.count,
            "head": self.head,
            "time": self.time,
            "key_id": self.key_id,
        }
        return _CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def sign(cls, keys: AuditKeys, host: str, count: int, head: str) -> Checkpoint:
        if keys.signing_key is None:
            raise ValueError("no audit signing key: checkpoints cannot be signed")
        unsigned = cls(
            host, count, head, int(time.time()), fingerprint(keys.signing_key.public_key())
        )
        signature = keys.signing_key.sign(unsigned.payload()).hex()
        return cls(host, count, head, unsigned.time, unsigned.key_id, signature)

    def valid(self, public: Ed25519PublicKey) -> bool:
        try:
            signature = bytes.fromhex(self.signature)
        except ValueError:
            return False
        return verify_signature(public, signature, self.payload())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Checkpoint:
        return cls(
            str(data["host"]),
            int(str(data["count"])),
            str(data["head"]),
            int(str(data["time"])),
            str(data["key_id"]),
            str(data["signature"]),
        )


Sink = Callable[[Checkpoint], None]


def syslog_handler(address: str) -> logging.Handler:
    """``/dev/log`` (a Unix socket path) or ``host:port`` (UDP)."""
    target: str | tuple[str, int]
    if "/" in address:
        target = address
    else:
        host, _, port = address.rpartition(":")
        target = (host or "localhost", int(port or 514))
    handler = logging.handlers.SysLogHandler(target, logging.handlers.SysLogHandler.LOG_AUTH)
    handler.setFormatter(logging.Formatter("dlp-audit: %(message)s"))
    return handler


def syslog_sink(handler: logging.Handler) -> Sink:
    """Each checkpoint as one syslog line of JSON: a copy outside the district's database.
    Straight to ``handler``, not through a logger: the operational log does not need it."""

    def send(checkpoint: Checkpoint) -> None:
        body = json.dumps(checkpoint.to_dict(), sort_keys=True)
        handler.handle(
            logging.LogRecord(
                "dlp.audit", logging.INFO, __file__, 0, "checkpoint %s", (body,), None
            )
        )

    return send
