"""Handing a message on: to a next hop, to the recipient domains' MX hosts, or to a local folder.

One call, `deliver(raw, sender, recipients, target, require_tls)`, says for every recipient
whether the message was accepted, failed temporarily (try again later: keep the message) or
failed permanently (the receiving side refused it for good). It never raises for anything the
network or the receiving server does: a caller that must not lose mail can always read what
happened from the result. Synchronous on purpose: the gateway runs it in a thread, the
quarantine's release runs it as it is.

``require_tls`` (or a target whose ``tls`` is ``verify``) means: STARTTLS with a certificate
that verifies for the host name connected to, or no delivery at all. Those failures are
temporary and flagged ``tls_refused`` so that a caller can hold the message instead.
"""

from __future__ import annotations

import itertools
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.domains import ascii_address

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    TEMPORARY = "temporary"  # 4xx, no answer, connection lost: the sender should keep it
    PERMANENT = "permanent"  # 5xx: the receiving side refused it for good


class TlsMode(StrEnum):
    NONE = "none"  # never STARTTLS (a loopback re-injection port)
    OPPORTUNISTIC = "opportunistic"  # STARTTLS when offered, certificate not checked
    VERIFY = "verify"  # STARTTLS with a verified certificate, or no delivery


class TlsState(StrEnum):
    NONE = "none"
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    LOCAL = "local"  # a folder on this machine: nothing travelled


@dataclass(frozen=True, slots=True)
class RecipientResult:
    address: str
    outcome: Outcome
    code: int  # the SMTP reply code, or 0 when there was none (connection failed)
    detail: str  # the server's reply text or what went wrong; never message content
    tls_refused: bool = False  # failed only because verified TLS was required and not had
    via: str = ""  # the host:port or folder that answered

    def to_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "outcome": self.outcome.value,
            "code": self.code,
            "detail": self.detail,
            "tls_refused": self.tls_refused,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    recipients: tuple[RecipientResult, ...]
    tls: TlsState = TlsState.NONE  # the weakest protection any copy travelled with

    def _with(self, outcome: Outcome) -> tuple[str, ...]:
        return tuple(item.address for item in self.recipients if item.outcome is outcome)

    @property
    def accepted(self) -> tuple[str, ...]:
        return self._with(Outcome.ACCEPTED)

    @property
    def temporary(self) -> tuple[str, ...]:
        return self._with(Outcome.TEMPORARY)

    @property
    def permanent(self) -> tuple[str, ...]:
        return self._with(Outcome.PERMANENT)

    @property
    def all_accepted(self) -> bool:
        return all(item.outcome is Outcome.ACCEPTED for item in self.recipients)

    @property
    def tls_refused(self) -> tuple[str, ...]:
        return tuple(item.address for item in self.recipients if item.tls_refused)

    def result_for(self, address: str) -> RecipientResult | None:
        return next((item for item in self.recipients if item.address == address), None)


@dataclass(frozen=True, slots=True)
class NextHop:
    """One fixed SMTP server: a Postfix re-injection port, a smart host."""

    host: str
    port: int = 25
    tls: TlsMode = TlsMode.OPPORTUNISTIC
    ca_file: Path | None = None  # verify against these CAs instead of the system's
    tls_name: str | None = None  # the name the certificate must carry, when not ``host``
    timeout: float = 60.0
    helo: str | None = None  # our name in EHLO; default: this machine's name
    # Relaying back through a cloud service: (certificate, key) presented in STARTTLS, and
    # (user, password file) for AUTH, sent only after TLS (smtplib refuses nothing: we check).
    client_cert: tuple[Path, Path] | None = None
    login: tuple[str, Path] | None = None


@dataclass(frozen=True, slots=True)
class MxDelivery:
    """Straight to each recipient domain's MX hosts, in preference order."""

    port: int = 25
    tls: TlsMode = TlsMode.OPPORTUNISTIC
    ca_file: Path | None = None
    timeout: float = 60.0
    helo: str | None = None
    nameservers: tuple[str, ...] = ()  # default: the system's resolvers
    dns_port: int = 53
    dns_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class LocalFolder:
    """A Maildir-style folder (``tmp/`` then ``new/``): for trying the gateway out, and tests."""

    path: Path


DeliveryTarget = NextHop | MxDelivery | LocalFolder


def deliver(
    raw: bytes,
    sender: str,
    recipients: Sequence[str],
    target: DeliveryTarget,
    require_tls: bool = False,
    connections: ConnectionCache | None = None,
    xforward: Mapping[str, str] | None = None,
) -> DeliveryResult:
    """Deliver ``raw`` (CRLF line endings, not dot-stuffed) to ``recipients``; see the module.

    ``connections``: keep connections to a next hop open for the next call (the gateway).
    ``xforward``: the original client's XFORWARD attributes (NAME, ADDR, PROTO, HELO), sent
    to a next hop that offers XFORWARD (Postfix's re-injection listener), never to MX hosts."""
    wanted = list(dict.fromkeys(recipients))
    if not wanted:
        return DeliveryResult(())
    if isinstance(target, LocalFolder):
        return _to_folder(raw, sender, wanted, target)
    if isinstance(target, NextHop):
        hop = _Hop(
            host=target.host,
            port=target.port,
            tls=TlsMode.VERIFY if require_tls else target.tls,
            ca_file=target.ca_file,
            tls_name=target.tls_name or target.host,
            timeout=target.timeout,
            helo=target.helo,
            client_cert=target.client_cert,
            login=target.login,
        )
        return _combine([_send(raw, sender, wanted, [hop], connections, xforward)])
    return _to_mx(raw, sender, wanted, target, require_tls)


# --- local folder ---------------------------------------------------------------------------

_COUNTER = itertools.count()


def _to_folder(
    raw: bytes, sender: str, recipients: list[str], target: LocalFolder
) -> DeliveryResult:
    envelope = b"Return-Path: <" + sender.encode("utf-8", "replace") + b">\r\n"
    envelope += b"".join(
        b"Delivered-To: " + address.encode("utf-8", "replace") + b"\r\n" for address in recipients
    )
    name = f"{time.time_ns()}.{os.getpid()}_{next(_COUNTER)}.{socket.gethostname()}.eml"
    via = str(target.path)
    try:
        write_durably(target.path / "tmp" / name, target.path / "new" / name, envelope + raw)
    except OSError as error:
        detail = f"cannot write to {target.path}: {error.strerror or error}"
        return DeliveryResult(
            tuple(
                RecipientResult(address, Outcome.TEMPORARY, 0, detail, via=via)
                for address in recipients
            ),
            TlsState.LOCAL,
        )
    return DeliveryResult(
        tuple(
            RecipientResult(address, Outcome.ACCEPTED, 250, f"written as new/{name}", via=via)
            for address in recipients
        ),
        TlsState.LOCAL,
    )


def write_durably(temporary: Path, final: Path, data: bytes) -> None:
    """Write, fsync, rename into place, fsync the folder: once it returns, it survives a crash."""
    temporary.parent.mkdir(parents=True, exist_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(handle, view)
            view = view[written:]
        os.fsync(handle)
    finally:
        os.close(handle)
    os.rename(temporary, final)
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# --- SMTP -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hop:
    host: str
    port: int
    tls: TlsMode
    ca_file: Path | None
    tls_name: str
    timeout: float
    helo: str | None
    client_cert: tuple[Path, Path] | None = None
    login: tuple[str, Path] | None = None

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(slots=True)
class _Attempt:
    results: dict[str, RecipientResult] = field(default_factory=dict)
    tls: TlsState = TlsState.NONE


class _Client(smtplib.SMTP):
    """smtplib's client, verifying the certificate for a name of our choosing (a next hop
    given by address can still present a certificate for its host name)."""

    def __init__(self, hop: _Hop) -> None:
        # gethostname, not smtplib's default getfqdn: no DNS query just to say EHLO.
        super().__init__(timeout=hop.timeout, local_hostname=hop.helo or socket.gethostname())
        self._tls_name = hop.tls_name

    def starttls_for(self, context: ssl.SSLContext) -> tuple[int, bytes]:
        self._host = self._tls_name
        return self.starttls(context=context)

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        """smtplib's DATA, sending the bytes of `dot_stuffed` (smtplib's own regular
        expression cost more than the rest of a delivery for a 50 KB message)."""
        if not isinstance(msg, bytes):
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self.send(dot_stuffed(msg))
        return self.getreply()


def dot_stuffed(data: bytes) -> bytes:
    """``data`` as DATA carries it (RFC 5321 4.5.2), as smtplib sends it: a "." that begins a
    line doubled, then CRLF "." CRLF (a CRLF first when ``data`` does not end with one)."""
    stuffed = data.replace(b"\n.", b"\n..") if _dot_after_lf(data) else data
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed + (b".\r\n" if stuffed.endswith(b"\r\n") else b"\r\n.\r\n")


# Past this size a message's line starts are found with numpy (imported then, not by every
# command that can deliver): a pass in C that costs a third of `bytes.replace` finding none.
_LARGE = 64 * 1024


def _dot_after_lf(data: bytes) -> bool:
    """Whether an LF in ``data`` is followed by a "." (what dot-stuffing doubles)."""
    if len(data) < _LARGE:
        return b"\n." in data
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    after = np.flatnonzero(codes[:-1] == 10) + 1
    return bool((codes[after] == 46).any())


def _context(hop: _Hop) -> ssl.SSLContext:
    if hop.tls is TlsMode.VERIFY:
        context = ssl.create_default_context(cafile=str(hop.ca_file) if hop.ca_file else None)
    else:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if hop.client_cert is not None:
        context.load_cert_chain(*hop.client_cert)
    return context


def _login(client: _Client, hop: _Hop, tls: TlsState, recipients: list[str]) -> None:
    """AUTH to the next hop, only over verified TLS: a password never crosses in clear."""
    if hop.login is None:
        return
    via = hop.label
    if tls is not TlsState.VERIFIED:
        raise _Refused(
            _fail_all(recipients, Outcome.TEMPORARY, 0, "AUTH needs verified TLS", via, True)
        )
    user, password_file = hop.login
    try:
        password = password_file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise _Refused(
            _fail_all(recipients, Outcome.TEMPORARY, 0, f"AUTH password: {error}", via)
        ) from None
    try:
        client.login(user, password)
    except smtplib.SMTPAuthenticationError as error:
        # Held for now (4xx): a wrong password is fixed by the administrator, not the sender.
        raise _Refused(
            _fail_all(
                recipients,
                Outcome.TEMPORARY,
                error.smtp_code,
                f"AUTH refused: {_text(error.smtp_error)}",
                via,
            )
        ) from None


def _fail_all(
    recipients: Iterable[str],
    outcome: Outcome,
    code: int,
    detail: str,
    via: str,
    tls_refused: bool = False,
) -> dict[str, RecipientResult]:
    return {
        address: RecipientResult(address, outcome, code, detail, tls_refused, via)
        for address in recipients
    }


def _outcome(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.ACCEPTED
    if 500 <= code < 600:
        return Outcome.PERMANENT
    return Outcome.TEMPORARY


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:300]


class ConnectionCache:
    """Open connections to next hops, kept between messages: a gateway relaying hundreds of
    small messages a second spends less on connecting, greeting and quitting than on the
    messages. A connection is reused after a successful RSET only, for ``max_uses``
    transactions and ``max_idle_seconds`` of rest at most; thread-safe."""

    def __init__(
        self, max_idle: int = 32, max_idle_seconds: float = 30.0, max_uses: int = 200
    ) -> None:
        self.max_idle = max_idle
        self.max_idle_seconds = max_idle_seconds
        self.max_uses = max_uses
        self._idle: dict[_Hop, list[tuple[_Client, TlsState, float, int]]] = {}
        self._lock = threading.Lock()

    def take(self, hop: _Hop) -> tuple[_Client, TlsState, int] | None:
        now = time.monotonic()
        stale = []
        found = None
        with self._lock:
            idle = self._idle.get(hop, [])
            while idle:
                client, tls, since, uses = idle.pop()
                if now - since > self.max_idle_seconds:
                    stale.append(client)
                    continue
                found = (client, tls, uses)
                break
        for client in stale:
            _close(client)
        return found

    def give(self, hop: _Hop, client: _Client, tls: TlsState, uses: int) -> None:
        if uses >= self.max_uses:
            _close(client)
            return
        with self._lock:
            idle = self._idle.setdefault(hop, [])
            if sum(len(items) for items in self._idle.values()) < self.max_idle:
                idle.append((client, tls, time.monotonic(), uses))
                return
        _close(client)

    def close(self) -> None:
        with self._lock:
            clients = [item[0] for items in self._idle.values() for item in items]
            self._idle.clear()
        for client in clients:
            _close(client)


def _close(client: _Client) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


class _Refused(Exception):
    """The connection could not be made ready: every recipient gets ``results``."""

    def __init__(self, results: dict[str, RecipientResult]) -> None:
        super().__init__("refused")
        self.results = results


def _open(hop: _Hop, recipients: list[str]) -> tuple[_Client, TlsState]:
    """A connected client past EHLO (and STARTTLS when wanted), or `_Refused`."""
    via = hop.label
    client = _Client(hop)
    try:
        try:
            code, reply = client.connect(hop.host, hop.port)
        except (OSError, smtplib.SMTPException) as error:
            raise _Refused(
                _fail_all(recipients, Outcome.TEMPORARY, 0, f"cannot connect: {error}", via)
            ) from None
        if code != 220:
            raise _Refused(_fail_all(recipients, _outcome(code), code, _text(reply), via))
        code, reply = client.ehlo()
        if not 200 <= code < 300:
            code, reply = client.helo()
            if not 200 <= code < 300:
                raise _Refused(_fail_all(recipients, _outcome(code), code, _text(reply), via))
        tls = TlsState.NONE
        if hop.tls is not TlsMode.NONE and client.has_extn("starttls"):
            refused = hop.tls is TlsMode.VERIFY
            try:
                client.starttls_for(_context(hop))
            except ssl.SSLError as error:
                raise _Refused(
                    _fail_all(
                        recipients,
                        Outcome.TEMPORARY,
                        0,
                        f"TLS failed: {error.reason}",
                        via,
                        refused,
                    )
                ) from None
            except smtplib.SMTPResponseException as error:
                raise _Refused(
                    _fail_all(
                        recipients,
                        Outcome.TEMPORARY,
                        error.smtp_code,
                        f"STARTTLS refused: {_text(error.smtp_error)}",
                        via,
                        refused,
                    )
                ) from None
            tls = TlsState.VERIFIED if hop.tls is TlsMode.VERIFY else TlsState.UNVERIFIED
            client.ehlo()
            _login(client, hop, tls, recipients)
        elif hop.tls is TlsMode.VERIFY:
            raise _Refused(
                _fail_all(
                    recipients,
                    Outcome.TEMPORARY,
                    0,
                    "verified TLS is required and the server does not offer STARTTLS",
                    via,
                    True,
                )
            )
        return client, tls
    except _Refused:
        _close(client)
        raise
    except (OSError, smtplib.SMTPException) as error:
        _close(client)
        raise _Refused(
            _fail_all(recipients, Outcome.TEMPORARY, 0, f"connection lost: {error}", via)
        ) from None


def _reused(hop: _Hop, cache: ConnectionCache | None) -> tuple[_Client, TlsState, int] | None:
    while cache is not None:
        taken = cache.take(hop)
        if taken is None:
            return None
        client = taken[0]
        try:
            code, _ = client.rset()
        except (OSError, smtplib.SMTPException):
            code = 0
        if code == 250:
            return taken
        client.close()
    return None


NO_SMTPUTF8 = "5.6.7 {via} does not offer SMTPUTF8, which this address needs"


def _smtputf8(
    client: _Client, raw: bytes, sender: str, recipients: list[str], options: list[str]
) -> list[str]:
    """Ask for SMTPUTF8 (RFC 6531) when the message needs it and the host offers it: a
    non-ASCII address, or UTF-8 in the header section. Without the extension an address with a
    non-ASCII local part cannot be sent: the recipients that cannot be sent (all of them when
    the sender's local part is the non-ASCII one). UTF-8 headers alone still go as 8BITMIME."""
    envelope_ascii = sender.isascii() and all(address.isascii() for address in recipients)
    end = raw.find(b"\r\n\r\n")
    header = raw if end < 0 else raw[:end]  # not split: that would copy the body too
    if envelope_ascii and header.isascii():
        return []
    if client.has_extn("smtputf8"):
        options.append("SMTPUTF8")
        return []
    # Without it, only a non-ASCII local part is unsendable: a domain goes as its A-labels
    # (`wire_address`), the same address in the form every MTA understands.
    if not _local_ascii(sender):
        return list(recipients)
    return [address for address in recipients if not _local_ascii(address)]


def _local_ascii(address: str) -> bool:
    return address.rpartition("@")[0].isascii()


def wire_address(address: str, options: Sequence[str]) -> str:
    """``address`` as sent in MAIL or RCPT: as it is with SMTPUTF8, else with its domain in
    A-labels (``a@bücher.example`` -> ``a@xn--bcher-kva.example``)."""
    return address if "SMTPUTF8" in options or address.isascii() else ascii_address(address)


def _send_xforward(client: _Client, attributes: Mapping[str, str]) -> None:
    """The original client, in the attributes the host offers, xtext-encoded. A refusal is
    not a reason to keep the message: the host then logs the gateway as the client."""
    offered = set(client.esmtp_features.get("xforward", "").upper().split())
    argument = " ".join(
        f"{name}={xtext(value)}" for name, value in attributes.items() if name in offered
    )
    if argument:
        client.docmd("XFORWARD", argument)


def xtext(value: str) -> str:
    """``value`` as RFC 3461 xtext: printable ASCII but ``+`` and ``=``, the rest ``+HH``."""
    return "".join(
        char if "!" <= char <= "~" and char not in "+=" else f"+{ord(char):02X}" for char in value
    )


def _send_once(
    raw: bytes,
    sender: str,
    recipients: list[str],
    hop: _Hop,
    cache: ConnectionCache | None = None,
    xforward: Mapping[str, str] | None = None,
) -> _Attempt:
    """One SMTP transaction with one host. Connection failures come back as code 0."""
    attempt = _Attempt()
    via = hop.label
    reused = _reused(hop, cache)
    if reused is not None:
        client, attempt.tls, uses = reused
    else:
        try:
            client, attempt.tls = _open(hop, recipients)
        except _Refused as refused:
            attempt.results = refused.results
            return attempt
        uses = 0
    clean = False
    try:
        options = []
        if client.has_extn("size"):
            options.append(f"SIZE={len(raw)}")
        if client.has_extn("8bitmime") and not raw.isascii():
            options.append("BODY=8BITMIME")
        unsendable = _smtputf8(client, raw, sender, recipients, options)
        if unsendable:
            attempt.results = _fail_all(
                unsendable, Outcome.PERMANENT, 553, NO_SMTPUTF8.format(via=via), via
            )
            recipients = [address for address in recipients if address not in unsendable]
            if not recipients:
                clean = True
                return attempt
        if xforward and client.has_extn("xforward"):
            _send_xforward(client, xforward)
        code, reply = client.mail(wire_address(sender, options), options)
        if not 200 <= code < 300:
            attempt.results = _fail_all(recipients, _outcome(code), code, _text(reply), via)
            return attempt
        taken = []
        for address in recipients:
            code, reply = client.rcpt(wire_address(address, options))
            if 200 <= code < 300:
                taken.append(address)
            else:
                attempt.results[address] = RecipientResult(
                    address, _outcome(code), code, _text(reply), via=via
                )
        if not taken:
            clean = True
            return attempt
        answer: bytes | str
        try:
            code, answer = client.data(raw)
        except smtplib.SMTPDataError as error:
            code, answer = error.smtp_code, error.smtp_error
        attempt.results.update(_fail_all(taken, _outcome(code), code, _text(answer), via))
        clean = code != 421
        return attempt
    except (OSError, smtplib.SMTPException) as error:
        # Lost mid-transaction: whatever has no answer yet may or may not have arrived, and
        # "temporary" keeps it with the sender (at worst a duplicate, never a loss).
        missing = [address for address in recipients if address not in attempt.results]
        attempt.results.update(
            _fail_all(missing, Outcome.TEMPORARY, 0, f"connection lost: {error}", via)
        )
        return attempt
    finally:
        if clean and cache is not None:
            cache.give(hop, client, attempt.tls, uses + 1)
        else:
            _close(client)


def _send(
    raw: bytes,
    sender: str,
    recipients: list[str],
    hops: Sequence[_Hop],
    cache: ConnectionCache | None = None,
    xforward: Mapping[str, str] | None = None,
) -> _Attempt:
    """Try each host in turn while the failure is a connection failure or a 4xx greeting."""
    attempt = _Attempt()
    for hop in hops:
        attempt = _send_once(raw, sender, recipients, hop, cache, xforward)
        retry = all(
            item.outcome is Outcome.TEMPORARY
            and not item.tls_refused
            and (item.code == 0 or item.code == 421)
            for item in attempt.results.values()
        )
        if not retry:
            break
    return attempt


def _combine(attempts: Sequence[_Attempt]) -> DeliveryResult:
    results: list[RecipientResult] = []
    states = []
    for attempt in attempts:
        results.extend(attempt.results.values())
        if any(item.outcome is Outcome.ACCEPTED for item in attempt.results.values()):
            states.append(attempt.tls)
    order = [TlsState.NONE, TlsState.UNVERIFIED, TlsState.VERIFIED]
    weakest = min(states, key=order.index) if states else TlsState.NONE
    return DeliveryResult(tuple(results), weakest)


# --- MX -------------------------------------------------------------------------------------


class LookupFailure(Exception):
    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def resolve_mx(domain: str, target: MxDelivery) -> list[str]:
    """The domain's mail hosts, best first; the domain itself when it has no MX (RFC 5321 5.1)."""
    import dns.exception
    import dns.name
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=not target.nameservers)
    if target.nameservers:
        resolver.nameservers = list(target.nameservers)
        resolver.port = target.dns_port
    resolver.lifetime = target.dns_timeout
    try:
        answer = resolver.resolve(domain, "MX")
    except dns.resolver.NXDOMAIN:
        raise LookupFailure(Outcome.PERMANENT, f"domain {domain} does not exist") from None
    except dns.resolver.NoAnswer:
        return [domain]
    except (dns.resolver.NoNameservers, dns.exception.Timeout) as error:
        raise LookupFailure(Outcome.TEMPORARY, f"MX lookup for {domain} failed: {error}") from None
    records = sorted(answer, key=lambda record: record.preference)
    if len(records) == 1 and records[0].exchange == dns.name.root:
        raise LookupFailure(Outcome.PERMANENT, f"domain {domain} accepts no mail (null MX)")
    return [record.exchange.to_text(omit_final_dot=True) for record in records]


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().rstrip(".").lower()


def _to_mx(
    raw: bytes, sender: str, recipients: list[str], target: MxDelivery, require_tls: bool
) -> DeliveryResult:
    by_domain: dict[str, list[str]] = {}
    for address in recipients:
        by_domain.setdefault(_domain(address), []).append(address)
    attempts = []
    for domain, addresses in by_domain.items():
        if not domain:
            attempts.append(
                _Attempt(_fail_all(addresses, Outcome.PERMANENT, 0, "no domain in address", ""))
            )
            continue
        try:
            hosts = resolve_mx(domain, target)
        except LookupFailure as failure:
            attempts.append(_Attempt(_fail_all(addresses, failure.outcome, 0, failure.detail, "")))
            continue
        hops = [
            _Hop(
                host=host,
                port=target.port,
                tls=TlsMode.VERIFY if require_tls else target.tls,
                ca_file=target.ca_file,
                tls_name=host,
                timeout=target.timeout,
                helo=target.helo,
            )
            for host in hosts
        ]
        attempts.append(_send(raw, sender, addresses, hops))
    result = _combine(attempts)
    order = {address: index for index, address in enumerate(recipients)}
    return replace(
        result, recipients=tuple(sorted(result.recipients, key=lambda r: order[r.address]))
    )
