"""Which cloud tenant a message comes from, for gateways whose `client_networks` are Google's
or Exchange Online's: those addresses are shared by every customer of the service, so being
in them says only "some customer of Google / Microsoft". A message relayed from there must
also show it is the district's, or it is refused with ``550 5.7.1`` and the reason.

What each check is worth (sources in docs/microsoft-365.md and docs/google-workspace.md):

- the envelope sender's and the header From's domain (the district's): written by the sender,
  so alone they prove nothing; they keep the other checks honest (DKIM of cusd.com on a
  message from example.org proves nothing about that message's sender either);
- ``X-MS-Exchange-CrossTenant-Id``: stamped by Exchange Online with the tenant that sent the
  message (the topmost one is the last tenant's). Microsoft does not document that a sender
  cannot write one, so it is a filter, not a proof;
- the TLS client certificate: Exchange Online presents ``mail.protection.outlook.com`` for
  every tenant, and Google's servers their own shared names: not tenant-specific, not used;
- DKIM with the district's own domain (``d=cusd.com``), verified against the key in DNS: only
  the district's tenant holds the private key. This is the proof; require it
  (``dkim_domains``). It does not bind the envelope: a district-signed message can be replayed
  by someone who received it, and the replay is scanned and decided like any other message.

A session that logged in (SMTP AUTH against the district's users file) is identified by that
and skips these checks.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import email.utils
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import dkim
import dns.exception
import dns.nameserver
import dns.resolver

from dlp.actions.headers import header_block
from dlp.actions.loopstamp import LoopStamp
from dlp.domains import ascii_domain
from dlp.settings import TenantSettings
from smtp_gateway import replies
from smtp_gateway.logs import log_event

TxtLookup = Callable[..., bytes | None]
_D_TAG = re.compile(rb"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)
_L_TAG = re.compile(rb"(?:^|;)\s*l\s*=", re.IGNORECASE)


class LookupFailed(Exception):
    """A DNS look-up failed for now (timeout, no server answered): try again later."""


def resolver_lookup(servers: Sequence[str] = (), timeout: float = 5.0) -> TxtLookup:
    """A TXT look-up for dkimpy (``dnsfunc(name, timeout=...)``): the system's resolvers, or
    ``servers`` given as ``HOST:PORT`` (tests use a DNS server on loopback)."""
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host.strip("[]"), int(port))
            for host, _, port in (server.rpartition(":") for server in servers)
        ]
    resolver.lifetime = timeout

    def lookup(name: bytes | str, timeout: float = timeout) -> bytes | None:
        text = name.decode("ascii") if isinstance(name, bytes) else name
        try:
            answer = resolver.resolve(text, "TXT", lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as error:
            raise LookupFailed(str(error)) from None
        for record in answer:
            return b"".join(record.strings)
        return None

    return lookup


def _domain_of(address: str) -> str:
    return ascii_domain(address.rpartition("@")[2])


def _within(domain: str, allowed: Sequence[str]) -> bool:
    return any(domain == own or domain.endswith("." + own) for own in allowed)


@dataclass(frozen=True, slots=True)
class TenantCheck:
    settings: TenantSettings
    district: Callable[[], Sequence[str]]  # the policy's district domains (reloads follow)
    lookup: TxtLookup

    @classmethod
    def of(cls, settings: TenantSettings, district: Callable[[], Sequence[str]]) -> TenantCheck:
        return cls(settings, district, resolver_lookup(settings.dns_servers))

    def refusal(self, raw: bytes, sender: str) -> str | None:
        """The reply refusing ``raw`` from ``sender``, or None when it shows it is the
        district's. Blocking (DNS): the handler runs it off the event loop."""
        # UTF-8 header fields (SMTPUTF8: From: t@bücher.example) read as text, not as escapes.
        head = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
            header_block(raw).decode("utf-8", "replace")
        )
        domains = [ascii_domain(d) for d in (self.settings.sender_domains or self.district())]
        if sender:
            domain = _domain_of(sender)
            if not _within(domain, domains):
                return _refuse(f"the envelope sender's domain {domain} is not the district's")
        authors = email.utils.getaddresses([str(v) for v in head.get_all("From", [])])
        foreign = [a for _, a in authors if not _within(_domain_of(a), domains)]
        if not authors or foreign:
            return _refuse("the From header is not an address in the district's domains")
        tenants = self.settings.microsoft_tenant_ids
        if tenants:
            stamped = head.get_all("X-MS-Exchange-CrossTenant-Id", [])
            if not stamped:
                return _refuse("no X-MS-Exchange-CrossTenant-Id: not from Exchange Online")
            # The topmost is the last tenant the message left; older ones are its history.
            if str(stamped[0]).strip().lower() not in {t.lower() for t in tenants}:
                return _refuse("X-MS-Exchange-CrossTenant-Id is another tenant's")
        if self.settings.dkim_domains:
            return self._dkim(raw)
        return None

    def _dkim(self, raw: bytes) -> str | None:
        allowed = [ascii_domain(d) for d in self.settings.dkim_domains]
        failed: list[str] = []

        def lookup(name: bytes | str, timeout: float = 5.0) -> bytes | None:
            try:
                return self.lookup(name, timeout=timeout)
            except LookupFailed as error:
                failed.append(str(error))
                raise dkim.DnsTimeoutError(str(error)) from None

        try:
            verifier = dkim.DKIM(raw, minkey=1024)
        except dkim.DKIMException:
            return _refuse("the message's header could not be read for DKIM")
        signatures = [v for name, v in verifier.headers if name.lower() == b"dkim-signature"]
        for index, value in enumerate(signatures):
            found = _D_TAG.search(b" ".join(value.split()))
            if found is None or _L_TAG.search(value):
                continue  # l= lets anyone append to the body: not proof of the whole message
            domain = ascii_domain(found.group(1).decode("ascii", "replace"))
            if not _within(domain, allowed):
                continue
            try:
                if verifier.verify(idx=index, dnsfunc=lookup):
                    return None
            except dkim.DKIMException:
                continue
        if failed:
            return replies.TENANT_TRY_LATER
        return _refuse(f"no valid DKIM signature of {', '.join(allowed)}")


def _refuse(reason: str) -> str:
    # A domain as written (an invalid IDN stays Unicode) must not put non-ASCII in a reply.
    return replies.TENANT_REFUSED.format(reason=replies.one_line(reason, 300))


@dataclass(frozen=True, slots=True)
class Admission:
    """What the handler asks before a message goes to the relay: a copy of our own coming
    back (a loop), then, for sessions that did not log in, the tenant check."""

    stamp: LoopStamp
    check: TenantCheck | None
    executor: Executor

    async def __call__(
        self, raw: bytes, sender: str, recipients: Sequence[str], authenticated: bool
    ) -> str | None:
        if self.stamp.seen(raw, recipients):
            log_event("loop-refused", logging.WARNING, reply=replies.LOOP[:3])
            return replies.LOOP
        if self.check is None or authenticated:
            return None
        loop = asyncio.get_running_loop()
        refusal = await loop.run_in_executor(self.executor, self.check.refusal, raw, sender)
        if refusal is not None:
            log_event("tenant-refused", logging.WARNING, reply=refusal)
        return refusal
