"""aiosmtpd's SMTP protocol with the gateway's DATA path (`datapath`) in place of its own.

Only ``smtp_DATA`` is replaced; the rest of the session (EHLO, STARTTLS, AUTH, MAIL, RCPT) is
aiosmtpd's, with the gateway's rules in the handler's hooks. HELO, EHLO, MAIL and RCPT first
refuse an argument with a NUL byte, which aiosmtpd would take as part of a name or an address.

MAIL and RCPT read their address through `_getaddr`: the usual ``<local@domain>`` is taken
as it is, and anything else goes to aiosmtpd's parser (the e-mail package's RFC 5322 one,
which returns such an address unchanged but costs about 45 µs a call, more than any other
step of receiving a short message).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax

from smtp_gateway import replies, xforward
from smtp_gateway.datapath import DataRefused, receive, unstuff

log = logging.getLogger("smtp_gateway.protocol")


class DataGate(Protocol):
    def busy_reply(self) -> str | None:
        """A 4xx reply when no message should be taken now (saturated, shutting down)."""

    def may_xforward(self, session: Session) -> bool:
        """Whether this client may say who its own client was (XFORWARD)."""


class GatewayEnvelope(Envelope):
    """aiosmtpd's envelope, plus the XFORWARD attributes of this transaction (a new envelope
    after each message and RSET, so they never carry over to the next one)."""

    def __init__(self) -> None:
        super().__init__()
        self.xforward: dict[str, str] = {}


Command = Callable[[SMTP, str], Awaitable[None]]

# RFC 5322 atext, ASCII only: none of it is a special or white space to the e-mail package.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# ``<local@domain>``, both dot-atoms: what aiosmtpd's parser returns unchanged.
_PLAIN_ADDRESS = re.compile(rf"<({_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*)>")


def _refusing_nul(command: Command) -> Command:
    """``command``, first refusing an argument that holds a NUL byte (5xx, nothing recorded).
    `functools.wraps` carries aiosmtpd's ``@syntax`` help text over to the wrapper."""

    @functools.wraps(command)
    async def checked(self: SMTP, arg: str) -> None:
        if arg and "\x00" in arg:
            assert self.session is not None
            log.warning("refused a command with a NUL byte from %s", _peer(self.session))
            await self.push(replies.NUL_IN_COMMAND)
            return
        await command(self, arg)

    return checked


class GatewaySMTP(SMTP):
    """One client connection."""

    def __init__(self, handler: Any, *, max_line_length: int = 998, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.max_line_length = max_line_length

    smtp_HELO = _refusing_nul(SMTP.smtp_HELO)
    smtp_EHLO = _refusing_nul(SMTP.smtp_EHLO)
    smtp_MAIL = _refusing_nul(SMTP.smtp_MAIL)
    smtp_RCPT = _refusing_nul(SMTP.smtp_RCPT)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's ``_getaddr``, without its parser for a plain ``<local@domain>``: the
        address, and the rest of the argument after the white space that follows it (the
        parser's folding white space). A comment or anything unusual goes to the parser."""
        match = _PLAIN_ADDRESS.match(arg)
        if match is None:
            return super()._getaddr(arg)
        rest = arg[match.end() :]
        if rest[:1] in (" ", "\t"):
            rest = rest.lstrip()  # as the parser's white space: all of it, Unicode too
        if rest[:1] == "(":
            return super()._getaddr(arg)
        address = match.group(1)
        limit = self.local_part_limit
        if limit and len(address.rpartition("@")[0]) > limit:
            return None, None
        return address, rest

    def _create_envelope(self) -> GatewayEnvelope:
        return GatewayEnvelope()

    @syntax("XFORWARD attribute=value ...")
    async def smtp_XFORWARD(self, arg: str) -> None:
        if await self.check_helo_needed():
            return
        assert self.session is not None and isinstance(self.envelope, GatewayEnvelope)
        if not self.event_handler.may_xforward(self.session):
            await self.push(replies.XFORWARD_DENIED)
            return
        if self.envelope.mail_from is not None:
            await self.push(replies.XFORWARD_IN_TRANSACTION)
            return
        try:
            self.envelope.xforward.update(xforward.parse(arg))
        except xforward.XforwardSyntax:
            await self.push(replies.XFORWARD_SYNTAX)
            return
        await self.push(replies.XFORWARD_OK)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert envelope is not None and self.session is not None
        if not envelope.rcpt_tos:
            await self.push(replies.NEED_RCPT)
            return
        if arg:
            await self.push(replies.DATA_SYNTAX)
            return
        busy = self.event_handler.busy_reply()
        if busy is not None:
            # Before 354: a saturated gateway does not make the client send 35 MB for nothing.
            await self.push(busy)
            return
        await self.push(replies.START_DATA)
        limit = self.data_size_limit or 2**62
        try:
            received = await receive(self._reader, limit, self._reset_timeout)
        except DataRefused as refused:
            self._set_post_data_state()
            await self.push(refused.reply)
            return
        if received.leftover:
            # A client that pipelined its next command: give those bytes back to the reader
            # aiosmtpd reads commands from (PIPELINING is not offered, yet some send early).
            self._reader._buffer[0:0] = received.leftover  # type: ignore[attr-defined]
        try:
            content = unstuff(received.stuffed, self.max_line_length)
        except DataRefused as refused:
            log.warning(
                "refused DATA from %s: %s", _peer(self.session), refused.reply.split(": ")[-1]
            )
            self._set_post_data_state()
            await self.push(refused.reply)
            return
        envelope.content = content
        envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)


def _peer(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


__all__ = ["DataGate", "Envelope", "GatewayEnvelope", "GatewaySMTP"]
