"""The session rules, as aiosmtpd handler hooks: who may relay, how many recipients, and the
hand-off of a received message to the relay.

The relay's work runs in a task of its own, shielded from the connection: a client that hangs
up after sending its data does not cut a delivery or a hold in half (it gets no reply, so it
tries again: at worst a duplicate, never a loss), and shutdown can wait for it.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from dlp.settings import Network
from smtp_gateway import replies
from smtp_gateway.protocol import GatewayEnvelope
from smtp_gateway.relay import Message, Relay
from smtp_gateway.xforward import Client


class InFlight:
    """The messages being processed, so that shutdown can wait for them."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[str]] = set()

    def start(self, work: Coroutine[Any, Any, str]) -> asyncio.Task[str]:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self.tasks)

    async def drain(self, seconds: float) -> int:
        """Wait up to ``seconds`` for the messages in flight; the number still running after."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=seconds)
        return len(self.tasks)


def _peer_address(session: Session) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    peer = session.peer
    host = peer[0] if isinstance(peer, tuple) else peer
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_problem(address: str, smtputf8: bool) -> str | None:
    """The reply refusing ``address``, or None. With SMTPUTF8 aiosmtpd decodes commands as
    UTF-8 with surrogate escapes: bytes that were not UTF-8 are refused here, before they can
    reach a log line or a next hop."""
    if address.isascii():
        return None
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:
        return replies.ADDRESS_NOT_UTF8
    return None if smtputf8 else replies.NEEDS_SMTPUTF8


class GatewayHandler:
    def __init__(
        self,
        relay: Relay,
        client_networks: Sequence[Network],
        max_recipients: int,
        busy: Callable[[], str | None],
        in_flight: InFlight,
        # Before the relay: refuse a loop or another tenant's message (`smtp_gateway.tenant`).
        admit: Callable[[bytes, str, Sequence[str], bool], Awaitable[str | None]] | None = None,
    ) -> None:
        self.relay = relay
        self.admit = admit
        self.client_networks = tuple(client_networks)
        self.max_recipients = max_recipients
        self.busy = busy
        self.in_flight = in_flight

    def in_client_networks(self, session: Session) -> bool:
        address = _peer_address(session)
        return address is not None and any(address in net for net in self.client_networks)

    def may_relay(self, session: Session) -> bool:
        return bool(session.authenticated) or self.in_client_networks(session)

    def may_xforward(self, session: Session) -> bool:
        # The MTA in front, by its address: a logged-in user could make up any client.
        return self.in_client_networks(session)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.may_xforward(session):
            responses.insert(len(responses) - 1, replies.XFORWARD_OFFER)  # before "250 HELP"
        return responses

    def busy_reply(self) -> str | None:
        return self.busy()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not self.may_relay(session):
            return replies.RELAY_DENIED
        busy = self.busy()
        if busy is not None:
            return busy
        problem = address_problem(address, envelope.smtp_utf8)
        if problem is not None:
            return problem
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return replies.MAIL_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not self.may_relay(session):
            return replies.RELAY_DENIED
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return replies.TOO_MANY_RECIPIENTS
        problem = address_problem(address, envelope.smtp_utf8)
        if problem is not None:
            return problem
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return replies.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        peer = _peer_address(session)
        sender = envelope.mail_from or ""
        sender = "" if sender == "<>" else sender  # aiosmtpd's null sender: never answered
        if self.admit is not None:
            refusal = await self.admit(
                bytes(content), sender, tuple(envelope.rcpt_tos), bool(session.authenticated)
            )
            if refusal is not None:
                return refusal
        message = Message(
            sender=sender,
            recipients=tuple(envelope.rcpt_tos),
            raw=bytes(content),
            peer=str(peer) if peer else "",
            client=Client.of(envelope.xforward) if isinstance(envelope, GatewayEnvelope) else None,
        )
        task = self.in_flight.start(self.relay.process(message))
        return await asyncio.shield(task)
