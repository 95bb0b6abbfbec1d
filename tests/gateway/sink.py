"""An aiosmtpd server on loopback acting as the next hop: it records what it accepts."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.ports import free_port

__all__ = ["Received", "Sink", "free_port"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool
    smtputf8: bool = False  # MAIL FROM carried SMTPUTF8


@dataclass
class SinkHandler:
    """Replies can be scripted: ``rcpt_reply(address)`` and ``data_reply()`` return None for OK."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: Callable[[str], str | None] = lambda address: None
    data_reply: Callable[[], str | None] = lambda: None
    lock: threading.Lock = field(default_factory=threading.Lock)
    sessions: int = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.rcpt_reply(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.data_reply()
        if reply is not None:
            return reply
        content = envelope.original_content or b""
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from or "",
                    list(envelope.rcpt_tos),
                    bytes(content),
                    session.ssl is not None,
                    envelope.smtp_utf8,
                )
            )
        return "250 2.0.0 queued"

    def all_recipients(self) -> list[str]:
        with self.lock:
            return [address for item in self.received for address in item.recipients]


class Sink:
    """``with Sink() as sink:`` a next hop on ``sink.port``."""

    def __init__(
        self, tls_context: ssl.SSLContext | None = None, port: int = 0, smtputf8: bool = False
    ) -> None:
        self.handler = SinkHandler()
        self.port = port or free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls_context,
            server_hostname="localhost",
            ready_timeout=10,
            data_size_limit=64 * 1024 * 1024,
            enable_SMTPUTF8=smtputf8,
        )

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received
