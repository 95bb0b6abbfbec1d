"""The one action step every copy and every notice goes through: stamp the ``X-DLP-*`` fields,
encrypt (S/MIME, or insist on verified TLS), deliver; and notify the sender.

Two callers: the gateway's relay (`smtp_gateway.relay`) and the quarantine's release and
rejection (`dlp.quarantine.release`). They used to do this each in their own way and had
drifted: a failed S/MIME encryption held the message in the relay and raised out of a release.
Here it is one rule: a copy whose encryption fails is not sent at all (never in clear); the
caller gets those recipients back, with the reason, and keeps the message held for them.

Notices go through the durable outbound queue (`dlp.actions.outbox`): `ActionStep.queue`
returns once they are stored, which a caller does only after the message's own fate is
durable (delivered, or held and committed); `ActionStep.attempt` is the first try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dlp.actions.disclosures import DisclosureLog, DisclosureNote
from dlp.actions.headers import stamp
from dlp.actions.mail import NoticeMail
from dlp.actions.outbox import Attempt, Deliver, Outbox, QueuedMail, Tried, event
from dlp.actions.smime import CertificateStore, SmimeError, encrypt_message
from dlp.delivery import DeliveryResult, Outcome, RecipientResult
from dlp.policy.decision import Encryption

Fields = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Encryptor:
    """The recipients' certificates and the subject an encrypted copy shows outside."""

    certificates: CertificateStore = field(default_factory=lambda: CertificateStore({}, ()))
    neutral_subject: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """What became of one copy: the next hop's answers, and who was not sent it at all."""

    result: DeliveryResult
    unsent: tuple[str, ...] = ()  # its encryption failed: the caller holds these
    reason: str = ""  # why they were not sent; names certificates, never content

    def plus(self, other: Sent) -> Sent:
        reasons = "; ".join(reason for reason in (self.reason, other.reason) if reason)
        return Sent(
            DeliveryResult((*self.result.recipients, *other.result.recipients)),
            (*self.unsent, *other.unsent),
            reasons,
        )

    def as_result(self) -> DeliveryResult:
        """Every recipient in one result; the unsent ones as put off (code 0) with the reason,
        so that a release reports them pending, why, and leaves the message held."""
        unsent = tuple(
            RecipientResult(address, Outcome.TEMPORARY, 0, f"not sent: {self.reason}")
            for address in self.unsent
        )
        return DeliveryResult((*self.result.recipients, *unsent), self.result.tls)


NOTHING_SENT = Sent(DeliveryResult(()))


class ActionStep:
    def __init__(
        self,
        deliver: Deliver,
        outbox: Outbox | None = None,
        disclosures: DisclosureLog | None = None,
    ) -> None:
        """``outbox``: the durable queue for notices; None (no quarantine database) means one
        attempt each and no retry, and is said in the log when a notice is lost that way.
        ``disclosures``: the per-student disclosure record (`dlp.actions.disclosures`)."""
        self.deliver = deliver
        self.outbox = outbox
        self.disclosures = disclosures

    def send(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        fields: Fields,
        encryption: Encryption | None,
        encryptor: Encryptor,
        xforward: Mapping[str, str] | None = None,
        disclosure: DisclosureNote | None = None,
    ) -> Sent:
        """One copy of ``raw`` to ``recipients``: stamped with ``fields``, encrypted as asked,
        delivered (with the original client's XFORWARD attributes, when the gateway has them).
        Never raises for what the network or a certificate does. ``disclosure``: what the
        copy discloses, recorded for each recipient the next hop accepted."""
        if not recipients:
            return NOTHING_SENT
        stamped = list(fields)
        body = raw
        require_tls = False
        if encryption is Encryption.SMIME:
            try:
                certificates = encryptor.certificates.for_recipients(recipients)
                body = encrypt_message(raw, certificates, encryptor.neutral_subject)
            except SmimeError as error:
                return Sent(DeliveryResult(()), tuple(recipients), f"S/MIME encryption: {error}")
            stamped.append(("X-DLP-Encryption", "smime"))
        elif encryption is Encryption.REQUIRE_TLS:
            require_tls = True
            stamped.append(("X-DLP-Encryption", "require-tls"))
        elif encryption is Encryption.PORTAL:
            # Pickup is the relay's to arrange (`dlp.portal.deposit`); a copy that reaches this
            # step for the portal is never sent in clear: the caller holds it.
            return Sent(DeliveryResult(()), tuple(recipients), "no pickup portal here")
        copy = stamp(body, stamped)
        if xforward:
            sent = Sent(self.deliver(copy, sender, recipients, require_tls, xforward))
        else:
            sent = Sent(self.deliver(copy, sender, recipients, require_tls))
        # A copy that was not sent (no recipients, a failed encryption) discloses nothing.
        if disclosure is not None and self.disclosures is not None:
            self._record(disclosure, sent)
        return sent

    def _record(self, disclosure: DisclosureNote, sent: Sent) -> None:
        """After the delivery, which cannot be taken back: a record that cannot be written is
        said loudly in the log (with counts only), never turned into a second copy."""
        accepted = [r.address for r in sent.result.recipients if r.outcome is Outcome.ACCEPTED]
        if not accepted:
            return
        entries = disclosure.entries(accepted, int(time.time()))
        if not entries:
            return
        assert self.disclosures is not None
        try:
            self.disclosures.append(entries)
        except Exception as error:
            event(
                "disclosure-record-failed",
                logging.ERROR,
                entries=len(entries),
                error=type(error).__name__,
            )

    def queue(self, mails: Sequence[NoticeMail]) -> list[QueuedMail]:
        """Store ``mails`` for sending; durable once this returns, when there is a queue.

        A queue that cannot store (its database down) does not undo what was already done
        to the message: the notices then get their one attempt, as they had before the queue.
        """
        if self.outbox is not None and mails:
            try:
                return self.outbox.put(mails)
            except Exception as error:
                event("notice-queue-failed", logging.ERROR, error=type(error).__name__)
        return [QueuedMail("", mail, 0.0, 0) for mail in mails]

    def attempt(self, queued: QueuedMail) -> Tried:
        """The first attempt at a queued notice; the queue's worker makes any later ones."""
        if self.outbox is not None and queued.id:
            try:
                return self.outbox.attempt(queued)
            except Exception as error:
                # The database, after or instead of the delivery: the entry is still stored,
                # leased, and the queue's worker takes it up again when the lease ends.
                event("notice-attempt-failed", logging.ERROR, error=type(error).__name__)
                put_off = RecipientResult(queued.mail.to, Outcome.TEMPORARY, 0, "queue unavailable")
                return Tried(Attempt.RETRY, DeliveryResult((put_off,)))
        mail = queued.mail
        result = self.deliver(mail.data, "", [mail.to], False)
        if result.all_accepted:
            return Tried(Attempt.SENT, result)
        event(
            "notice-undelivered",
            logging.WARNING,
            kind=mail.kind,
            about=mail.about,
            result=[item.to_dict() for item in result.recipients],
        )
        return Tried(Attempt.REFUSED, result)

    def notify(self, mails: Sequence[NoticeMail]) -> list[Tried]:
        """Queue ``mails`` and make their first attempt now (for callers that wait for it)."""
        return [self.attempt(queued) for queued in self.queue(mails)]
