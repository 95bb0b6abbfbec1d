"""The gateway's side of the portal: a copy to be encrypted, for recipients without a
certificate (``[encryption] without_certificate = "portal"``), is sealed in the quarantine's
store with the status ``pickup``; each recipient gets a link of their own in a notice, and the
sender a note with a link to revoke. The notices are in the durable outbound queue before
`PickupDrop.deposit` returns, so the gateway's 250 follows a durable message and durable notices.
"""

from __future__ import annotations

import email.parser
import email.policy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from dlp.actions.headers import header_block
from dlp.actions.mail import NoticeMail
from dlp.actions.outbox import QueuedMail
from dlp.actions.step import ActionStep
from dlp.audit import AuditLog
from dlp.model import ScanResult
from dlp.policy.decision import Decision
from dlp.portal.links import PortalLinks, Purpose
from dlp.portal.notice import Mailer, masked_subject
from dlp.portal.service import DAY, PortalRules
from dlp.quarantine.store import QuarantineStore


def raw_subject(raw: bytes) -> str:
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        header_block(raw)
    )
    values = parsed.get_all("Subject") or []
    # Several Subject fields: the scan's offsets would not say which one; none is shown.
    return str(values[0]) if len(values) == 1 else ""


@dataclass(frozen=True, slots=True)
class Deposited:
    held_id: str
    queued: list[QueuedMail]  # the notices, stored; their first attempt is the caller's


@dataclass
class PickupDrop:
    store: QuarantineStore
    links: PortalLinks
    mailer: Mailer
    step: ActionStep
    rules: PortalRules = field(default_factory=PortalRules)
    audit: AuditLog | None = None
    clock: Callable[[], float] = time.time

    def deposit(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
        about: str,
    ) -> Deposited:
        """Seal ``raw`` for pickup by ``recipients``; raises when the store cannot (the
        caller answers 4xx: nothing was promised)."""
        now = int(self.clock())
        expires = now + self.rules.link_days * DAY
        keep = now + self.rules.retention_days * DAY
        tokens: dict[str, str] = {}
        revoke_token: list[str] = []

        def links(connection: Connection, held_id: str) -> None:
            # In the message's own transaction: never a sealed message without its links.
            for recipient in recipients:
                tokens[recipient] = self.links.create(
                    held_id, recipient, Purpose.PICKUP, expires, now, connection
                )
            if sender:
                revoke_token.append(
                    self.links.create(held_id, sender, Purpose.REVOKE, keep, now, connection)
                )

        held_id = self.store.deposit(
            raw, sender, recipients, decision, scan, message_id, self.rules.retention_days, links
        )
        subject = masked_subject(raw_subject(raw), scan)
        mails = [
            NoticeMail(
                recipient,
                self.mailer.notice(sender, recipient, subject, token, expires, message_id),
                "portal-notice",
                about,
            )
            for recipient, token in tokens.items()
        ]
        for token in revoke_token:
            data = self.mailer.sender_note(sender, list(recipients), token, message_id)
            mails.append(NoticeMail(sender, data, "portal-sender-note", about))
        if self.audit is not None:
            self.audit.append(
                "portal-deposit",
                held_id=held_id,
                gateway_id=about,
                sender=sender,
                recipients=list(recipients),
                link_expires=expires,
            )
        return Deposited(held_id, self.step.queue(mails))
