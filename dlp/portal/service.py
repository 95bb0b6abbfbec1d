"""What the portal does for a recipient, each step audited: the link, the one-time code,
reading, downloading, replying, a new link; and revoking, for the sender and for reviewers.

The web routes (`dlp.portal.app`) only translate between HTTP and these calls. Every refusal
is a `Refused` with a key the page turns into words (English or Spanish), never a detail that
would tell a guesser more than "this link does not work".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from dlp.actions.mail import NoticeMail
from dlp.actions.step import ActionStep, Encryptor
from dlp.audit import AuditLog
from dlp.delivery import Outcome
from dlp.portal.content import Shown, attachment, show
from dlp.portal.disclosure import Disclosure, Disclosures, NoDisclosures
from dlp.portal.links import CodeCheck, Link, PortalLinks, Purpose
from dlp.portal.notice import Mailer
from dlp.portal.tokens import new_code
from dlp.quarantine.records import HeldMessage, Status
from dlp.quarantine.store import NotFound, QuarantineStore

log = logging.getLogger("dlp.portal")
MINUTE, HOUR, DAY = 60, 3600, 86_400
MAX_REPLY = 20_000


@dataclass(frozen=True, slots=True)
class PortalRules:
    link_days: int = 14
    code_minutes: int = 10
    code_tries: int = 5
    lockout_minutes: int = 30
    codes_per_hour: int = 5
    retention_days: int = 90
    session_minutes: int = 30


class Refused(Exception):
    """``key``: what went wrong, for the page (`dlp.portal.i18n`); ``status``: HTTP."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


class CodeRules(Protocol):
    @property
    def code_minutes(self) -> int: ...
    @property
    def code_tries(self) -> int: ...
    @property
    def lockout_minutes(self) -> int: ...
    @property
    def codes_per_hour(self) -> int: ...
    @property
    def session_minutes(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CodeGate:
    """The one-time codes and sessions of a link, as the pickup portal and the senders'
    override pages both use them: audited as ``{prefix}-...``, with ``who`` (the fields that
    name the link's person) on the events of that person's own doing."""

    links: PortalLinks
    rules: CodeRules
    audit: AuditLog
    prefix: str

    def new_code(self, link: Link, now: int, client: str, who: dict[str, str]) -> str:
        """A fresh code for ``link``, unless it is locked or has had its codes for the hour."""
        if link.locked_until > now:
            raise Refused(429, "locked")
        if self.links.codes_since(link.hash, now - HOUR) >= self.rules.codes_per_hour:
            self.audit.append(f"{self.prefix}-code-throttled", held_id=link.held_id, client=client)
            raise Refused(429, "too-many-codes")
        code = new_code()
        self.links.add_code(link.hash, code, now, now + self.rules.code_minutes * MINUTE)
        self.audit.append(f"{self.prefix}-code-sent", held_id=link.held_id, **who, client=client)
        return code

    def sign_in(
        self, link: Link, code: str, now: int, client: str, who: dict[str, str]
    ) -> tuple[str, str]:
        """A good code opens a session: (its id, its CSRF token)."""
        rules = self.rules
        checked = self.links.check_code(
            link.hash, code[:32], now, rules.code_tries, rules.lockout_minutes * MINUTE
        )
        if checked is not CodeCheck.GOOD:
            wrong = "lockout" if checked is CodeCheck.LOCKED else "code-wrong"
            self.audit.append(f"{self.prefix}-{wrong}", held_id=link.held_id, **who, client=client)
            raise Refused(
                429 if checked is CodeCheck.LOCKED else 403,
                {CodeCheck.LOCKED: "locked", CodeCheck.NONE: "no-code"}.get(checked, "wrong-code"),
            )
        session_id, csrf = self.links.open_session(link.hash, now, rules.session_minutes * MINUTE)
        self.audit.append(f"{self.prefix}-signed-in", held_id=link.held_id, **who, client=client)
        return session_id, csrf

    def session_csrf(self, link: Link, session_id: str | None, now: int) -> str:
        """The CSRF token of ``session_id`` if it is a session opened with this very link's
        code; a session of another link (another message) is refused."""
        session = self.links.session(session_id, now)
        if session is None or session.link_hash != link.hash:
            raise Refused(401, "sign-in")
        return session.csrf


@dataclass(frozen=True, slots=True)
class Opened:
    """A usable pickup link, and the envelope facts the pages show before the code."""

    link: Link
    sender: str


@dataclass
class PickupService:
    store: QuarantineStore
    links: PortalLinks
    audit: AuditLog
    mailer: Mailer
    step: ActionStep  # the gateway's delivery code, with the durable outbound queue
    rules: PortalRules = field(default_factory=PortalRules)
    disclosures: Disclosures = field(default_factory=NoDisclosures)
    clock: Callable[[], float] = time.time

    def _now(self) -> int:
        return int(self.clock())

    @property
    def _codes(self) -> CodeGate:
        return CodeGate(self.links, self.rules, self.audit, "portal")

    def _for_pickup(self, held_id: str) -> HeldMessage:
        """The sealed copy a link opens; a 404 (unknown) or 410 (no longer for pickup)."""
        try:
            message = self.store.get(held_id)
        except NotFound:
            raise Refused(404, "bad-link") from None
        if message.status is not Status.PICKUP:
            raise Refused(410, "gone")
        return message

    def _mail(self, to: str, data: bytes, kind: str, about: str) -> None:
        """Queued durably, then a first attempt (the queue's worker retries)."""
        self.step.notify([NoticeMail(to, data, kind, about)])

    # --- the link -------------------------------------------------------------------------

    def open(self, token: str, client: str) -> Opened:
        """The pickup link of ``token`` if it works now; else `Refused` (and audited)."""
        link = self.links.find(token, Purpose.PICKUP)
        now = self._now()
        if link is None:
            self.audit.append("portal-bad-link", client=client)
            raise Refused(404, "bad-link")
        if link.revoked:
            self.audit.append("portal-revoked-link", held_id=link.held_id, client=client)
            raise Refused(410, "revoked")
        message = self._for_pickup(link.held_id)
        if now >= link.expires:
            self.audit.append("portal-expired-link", held_id=link.held_id, client=client)
            raise Refused(410, "expired")
        return Opened(link, message.sender)

    def request_code(self, token: str, client: str) -> Opened:
        opened = self.open(token, client)
        link = opened.link
        code = self._codes.new_code(link, self._now(), client, {"recipient": link.recipient})
        self._mail(
            link.recipient,
            self.mailer.code(link.recipient, code, self.rules.code_minutes),
            "portal-code",
            link.held_id,
        )
        return opened

    def verify(self, token: str, code: str, client: str) -> tuple[Opened, str, str]:
        """A good code opens a session: (the link, the session id, its CSRF token)."""
        opened = self.open(token, client)
        link = opened.link
        who = {"recipient": link.recipient}
        session_id, csrf = self._codes.sign_in(link, code, self._now(), client, who)
        return opened, session_id, csrf

    def in_session(self, token: str, session_id: str | None, client: str) -> tuple[Opened, str]:
        """The link, if ``session_id`` is a session opened with this very link's code; and the
        session's CSRF token."""
        opened = self.open(token, client)
        return opened, self._codes.session_csrf(opened.link, session_id, self._now())

    # --- the message ----------------------------------------------------------------------

    def _disclosed(self, link: Link, action: str, client: str) -> None:
        """The one call site of the per-student disclosure record (`dlp.portal.disclosure`)."""
        findings = tuple(self.store.findings(link.held_id))
        self.disclosures.record(
            Disclosure(link.held_id, link.recipient, action, self._now(), client, findings)
        )

    def view(self, link: Link, client: str) -> Shown:
        raw = self.store.content(link.held_id)
        self.audit.append(
            "portal-view", held_id=link.held_id, recipient=link.recipient, client=client
        )
        self._disclosed(link, "view", client)
        return show(raw)

    def download(self, link: Link, index: int, client: str) -> tuple[str, bytes]:
        found = attachment(self.store.content(link.held_id), index)
        if found is None:
            raise Refused(404, "no-attachment")
        name, data = found
        self.audit.append(
            "portal-download",
            held_id=link.held_id,
            recipient=link.recipient,
            client=client,
            attachment=index,
            size=len(data),
        )
        self._disclosed(link, "download", client)
        return name, data

    def reply(self, link: Link, text: str, client: str) -> None:
        """The recipient's reply to the sender: from the portal's own address (no foreign
        domain's DMARC to break), with the recipient in Reply-To, by the gateway's delivery
        code; put off by the next hop, it waits in the durable queue."""
        text = text.strip()
        if not text:
            raise Refused(400, "empty-reply")
        if len(text) > MAX_REPLY:
            raise Refused(413, "long-reply")
        message = self.store.get(link.held_id)
        shown = show(self.store.content(link.held_id))
        data = self.mailer.reply(message.sender, link.recipient, shown.subject, text)
        self.audit.append(
            "portal-reply",
            held_id=link.held_id,
            recipient=link.recipient,
            to=message.sender,
            client=client,
            size=len(text),
        )
        sent = self.step.send(
            data,
            self.mailer.from_address,
            [message.sender],
            [("X-DLP-Verdict", "portal-reply"), ("X-DLP-Id", link.held_id)],
            None,
            Encryptor(),
        )
        accepted = sent.result.result_for(message.sender)
        if accepted is None or accepted.outcome is not Outcome.ACCEPTED:
            self.step.queue([NoticeMail(message.sender, data, "portal-reply", link.held_id)])

    # --- new links and revocation ---------------------------------------------------------

    def renew(self, token: str, client: str) -> None:
        """A new link to the same message for an expired one, mailed to the same address;
        never for a revoked link, and only while the message is kept."""
        link = self.links.find(token, Purpose.PICKUP)
        now = self._now()
        if link is None:
            raise Refused(404, "bad-link")
        if link.revoked or self.links.ever_revoked(link.held_id, link.recipient):
            raise Refused(410, "revoked")
        message = self._for_pickup(link.held_id)
        if self.links.codes_since(link.hash, now - HOUR) >= self.rules.codes_per_hour:
            raise Refused(429, "too-many-codes")
        expires = min(now + self.rules.link_days * DAY, message.expires)
        fresh = self.links.create(link.held_id, link.recipient, Purpose.PICKUP, expires, now)
        # A renewal counts against the same hourly budget as codes (one mail per request).
        self.links.add_code(link.hash, new_code(), now, now)
        self.audit.append(
            "portal-link-renewed", held_id=link.held_id, recipient=link.recipient, client=client
        )
        self._mail(
            link.recipient,
            self.mailer.notice(message.sender, link.recipient, "", fresh, expires, ""),
            "portal-notice",
            link.held_id,
        )

    def revoke(self, held_id: str, by: str, via: str, recipient: str | None = None) -> int:
        """Staff (`dlp portal revoke`) and the sender's revoke link: the recipients' links stop
        working at once, sessions included."""
        self.store.get(held_id)  # NotFound for an unknown id
        count = self.links.revoke(held_id, by, self._now(), recipient)
        self.audit.append(
            "portal-revoke", held_id=held_id, actor=by, via=via, recipient=recipient, links=count
        )
        return count

    def sender_link(self, token: str) -> Link:
        link = self.links.find(token, Purpose.REVOKE)
        if link is None or not link.usable(self._now()):
            raise Refused(404, "bad-link")
        return link
