"""A sender releases their own held message, with a one-time code and a written justification
(docs/override.md).

Only a message held by rules the policy marks ``overridable = true`` (and by nothing else: no
unscannable content, no family flag, no refusal) gets an override link, and only for a sender in
a district domain. The link, its codes, its lockout and its session are the pickup portal's
(`dlp.portal.links`: stored as hashes, in the quarantine's database), under their own purpose;
the link is single-use (spent before the release starts) and expires. The code goes to the
envelope sender, so whoever uses the link also reads that district mailbox.

The release itself is a reviewer's release (`Triage.release`, the gateway's action step), with
the sender as the actor: audited as "quarantine-override", recorded in the disclosure log with
basis "override" and the justification, counted per sender and day (the limit), and alerted to
security staff at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dlp.actions.mail import NoticeMail, compose
from dlp.actions.step import ActionStep
from dlp.alerts.alert import Alert, Kind, Severity, message_link
from dlp.audit import AuditLog
from dlp.policy.config import Policy
from dlp.portal.links import Link, PortalLinks, Purpose
from dlp.portal.service import CodeGate, Refused
from dlp.quarantine.records import HeldMessage, Status
from dlp.quarantine.store import NotFound, QuarantineError, QuarantineStore
from dlp.quarantine.triage import Actor, Released, Triage

log = logging.getLogger("dlp.portal.override")
MINUTE, HOUR, DAY = 60, 3600, 86_400
SPENT_BY = "override"
MIN_JUSTIFICATION = 20
MAX_JUSTIFICATION = 1000
_HOLDING = frozenset({"quarantine", "reject"})


@dataclass(frozen=True, slots=True)
class OverrideRules:
    link_hours: int = 72
    per_day: int = 3  # overrides per sender per day
    code_minutes: int = 10
    code_tries: int = 5
    lockout_minutes: int = 30
    codes_per_hour: int = 5
    session_minutes: int = 30


def in_district(address: str, policy: Policy) -> bool:
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return bool(domain) and any(
        domain == d.lower() or domain.endswith("." + d.lower()) for d in policy.internal_domains
    )


def holding_rules(decision: Mapping[str, object], recipients: tuple[str, ...]) -> set[str] | None:
    """The names of the rules that hold ``recipients``' copies; None when something other
    than a rule holds one of them (a family flag), or a rule refuses it."""
    names: set[str] = set()
    wanted = {address.lower() for address in recipients}
    for verdict in decision.get("recipients", ()) or ():  # type: ignore[attr-defined]
        if not isinstance(verdict, Mapping) or str(verdict.get("address", "")).lower() not in (
            wanted
        ):
            continue
        if verdict.get("family"):
            return None
        for rule in verdict.get("rules", ()) or ():
            if rule.get("verdict") == "reject":
                return None
            if rule.get("verdict") in _HOLDING:
                names.add(str(rule.get("rule")))
    return names


def overridable(policy: Policy, names: set[str] | None) -> bool:
    """Whether every holding rule is one the policy marks overridable (the unscannable rule,
    which is no policy rule, never is)."""
    if not names:
        return False
    marked = {rule.name for rule in policy.rules if rule.overridable}
    return names <= marked


def wants_encryption(decision: Mapping[str, object]) -> bool:
    return any(
        isinstance(verdict, Mapping) and verdict.get("encryption")
        for verdict in decision.get("recipients", ()) or ()  # type: ignore[attr-defined]
    )


@dataclass(frozen=True, slots=True)
class Opened:
    link: Link
    message: HeldMessage


@dataclass
class OverrideOffer:
    """The gateway's side: a link for the sender's notice, when the message may have one."""

    links: PortalLinks
    audit: AuditLog | None
    policy: Callable[[], Policy]
    public_url: str
    rules: OverrideRules = OverrideRules()
    clock: Callable[[], float] = time.time

    def offer(
        self, held_id: str, sender: str, decision: Mapping[str, object], held: tuple[str, ...]
    ) -> str | None:
        """The URL of a new override link for a message just held, or None when it may not
        have one."""
        policy = self.policy()
        if not sender or not in_district(sender, policy):
            return None
        if not overridable(policy, holding_rules(decision, held)):
            return None
        now = int(self.clock())
        token = self.links.create(
            held_id, sender, Purpose.OVERRIDE, now + self.rules.link_hours * HOUR, now
        )
        if self.audit is not None:
            self.audit.append("override-offered", held_id=held_id, sender=sender)
        return f"{self.public_url}/override/{token}"

    def paragraph(self, url: str) -> str:
        """What the notice adds (no value from the message: only the link)."""
        hours = self.rules.link_hours
        return (
            "\nIf you have a business reason to send this message anyway, you may release it\n"
            f"yourself within {hours} hours, once, at:\n\n  {url}\n\n"
            "You will be asked for a one-time code sent to your district mailbox and for your\n"
            "reason. The release is recorded with your reason, and security staff are told.\n"
        )


@dataclass
class OverrideService:
    store: QuarantineStore
    links: PortalLinks
    triage: Triage
    audit: AuditLog
    step: ActionStep  # for the code mail: the durable outbound queue
    policy: Callable[[], Policy]
    from_address: str
    public_url: str | None = None
    rules: OverrideRules = OverrideRules()
    alert: Callable[[Alert], None] | None = None
    clock: Callable[[], float] = time.time

    def _now(self) -> int:
        return int(self.clock())

    @property
    def _codes(self) -> CodeGate:
        return CodeGate(self.links, self.rules, self.audit, "override")

    # --- the page's side --------------------------------------------------------------------

    def open(self, token: str, client: str) -> Opened:
        link = self.links.find(token, Purpose.OVERRIDE)
        now = self._now()
        if link is None:
            self.audit.append("override-bad-link", client=client)
            raise Refused(404, "bad-link")
        if link.revoked:
            self.audit.append("override-used-link", held_id=link.held_id, client=client)
            raise Refused(410, "used")
        if now >= link.expires:
            self.audit.append("override-expired-link", held_id=link.held_id, client=client)
            raise Refused(410, "expired")
        try:
            message = self.store.get(link.held_id)
        except NotFound:
            raise Refused(404, "bad-link") from None
        if message.status is not Status.HELD:
            raise Refused(410, "gone")
        return Opened(link, message)

    def request_code(self, token: str, client: str) -> Opened:
        opened = self.open(token, client)
        link = opened.link
        code = self._codes.new_code(link, self._now(), client, {"sender": link.recipient})
        body = (
            f"Your one-time code to release your held message yourself: {code}\n"
            f"It works for {self.rules.code_minutes} minutes. Nobody from the district will "
            "ask you for it or for your password.\n"
        )
        data = compose(self.from_address, link.recipient, "Your one-time code", body, "")
        self.step.notify([NoticeMail(link.recipient, data, "override-code", link.held_id)])
        return opened

    def verify(self, token: str, code: str, client: str) -> tuple[Opened, str, str]:
        opened = self.open(token, client)
        session_id, csrf = self._codes.sign_in(opened.link, code, self._now(), client, {})
        return opened, session_id, csrf

    def in_session(self, token: str, session_id: str | None, client: str) -> tuple[Opened, str]:
        opened = self.open(token, client)
        return opened, self._codes.session_csrf(opened.link, session_id, self._now())

    def release(self, opened: Opened, justification: str, client: str) -> Released:
        """Spend the link, then release the message by the gateway's delivery code."""
        cleaned = " ".join(justification.split())
        if len(cleaned) < MIN_JUSTIFICATION:
            raise Refused(400, "short-justification")
        if len(cleaned) > MAX_JUSTIFICATION:
            raise Refused(413, "long-justification")
        link, message, now = opened.link, opened.message, self._now()
        policy = self.policy()
        if not overridable(policy, holding_rules(message.decision, message.recipients)):
            raise Refused(403, "not-overridable")  # the policy changed since the link was made
        used = self.links.spent_since(link.recipient, Purpose.OVERRIDE, SPENT_BY, now - DAY)
        if used >= self.rules.per_day:
            self.audit.append("override-limit", held_id=link.held_id, sender=link.recipient)
            raise Refused(429, "limit")
        if not self.links.spend(link.hash, SPENT_BY, now):
            raise Refused(410, "used")
        actor = Actor(f"sender:{link.recipient}"[:128], "override", client)
        try:
            released = self.triage.release(
                actor,
                link.held_id,
                wants_encryption(message.decision),
                cleaned,
                override=True,
            )
        except QuarantineError:
            raise Refused(410, "gone") from None
        names = sorted(holding_rules(message.decision, message.recipients) or ())
        if self.alert is not None:
            domains = sorted({a.rpartition("@")[2].lower() for a in message.recipients})
            try:
                self.alert(
                    Alert(
                        Kind.OVERRIDE,
                        f"a sender released their own held message to {', '.join(domains)}",
                        float(now),
                        Severity.IMMEDIATE,
                        rules=tuple(names),
                        categories=tuple(message.categories),
                        link=message_link(self.public_url, link.held_id),
                        details={"held_id": link.held_id, "pending": len(released.pending)},
                    )
                )
            except Exception as error:  # the release stands; the audit log has it
                log.error("override alert failed: %s", type(error).__name__)
        return released
