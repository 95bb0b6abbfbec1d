"""Releasing a held message, and the reviewer's reject notice to the sender: both through the
one action step the gateway uses (`dlp.actions.step`), over `dlp.delivery.deliver`.

Encrypted release follows the policy's rule for encryption: S/MIME to the recipients the
district holds a certificate for, and for the others delivery only over verified TLS. A copy
whose S/MIME encryption fails is not sent: those recipients stay pending, with the reason in
the release's result, and the message stays held for them. Every copy is stamped by
`dlp.actions.headers.stamp`, which first removes any ``X-DLP-*`` field the sender wrote: a
released copy carries only the verdict given here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from dlp.actions.disclosures import DisclosureLog, DisclosureNote
from dlp.actions.loopstamp import LoopStamp
from dlp.actions.mail import NoticeMail, compose
from dlp.actions.outbox import Deliver as StepDeliver
from dlp.actions.outbox import Outbox, Tried
from dlp.actions.smime import CertificateStore
from dlp.actions.step import NOTHING_SENT, ActionStep, Encryptor
from dlp.delivery import DeliveryResult, DeliveryTarget
from dlp.policy.decision import Encryption
from dlp.quarantine.records import HeldMessage

Deliver = Callable[[bytes, str, Sequence[str], DeliveryTarget, bool], DeliveryResult]


@dataclass(frozen=True, slots=True)
class Releaser:
    deliver: Deliver
    target: DeliveryTarget
    certificates: CertificateStore = field(default_factory=lambda: CertificateStore({}, ()))
    neutral_subject: str | None = None
    # X-DLP-Scanned, as on the gateway's copies: a copy released back through Exchange Online
    # passes its rule's exception instead of coming back to be held again (docs/microsoft-365.md).
    stamp: LoopStamp | None = None
    # The per-student disclosure record: a release outside the district is a disclosure.
    disclosures: DisclosureLog | None = None

    def send(
        self,
        held_id: str,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        encrypt: bool,
        disclosure: DisclosureNote | None = None,
    ) -> DeliveryResult:
        """Deliver to ``recipients``; never raises for what the network or a certificate does
        (a recipient whose copy could not be encrypted is in the result as put off, code 0).
        ``disclosure``: what the copy discloses (with the reviewer's note), for the record."""
        step = ActionStep(bind(self.deliver, self.target), disclosures=self.disclosures)
        encryptor = Encryptor(self.certificates, self.neutral_subject)
        fields = [("X-DLP-Verdict", "released"), ("X-DLP-Id", held_id)]
        if self.stamp is not None:
            fields.append(self.stamp.field(held_id, recipients))
        if not encrypt:
            return step.send(
                raw, sender, recipients, fields, None, encryptor, disclosure=disclosure
            ).result
        with_certificate = [a for a in recipients if self.certificates.lookup(a) is not None]
        without = [a for a in recipients if a not in with_certificate]
        sent = NOTHING_SENT
        for group, encryption in (
            (with_certificate, Encryption.SMIME),
            (without, Encryption.REQUIRE_TLS),
        ):
            sent = sent.plus(
                step.send(raw, sender, group, fields, encryption, encryptor, disclosure=disclosure)
            )
        return sent.as_result()


def bind(deliver: Deliver, target: DeliveryTarget) -> StepDeliver:
    """``deliver`` to ``target``, in the shape the action step and the outbox call."""
    return functools.partial(_bound, deliver, target)


def _bound(
    deliver: Deliver,
    target: DeliveryTarget,
    raw: bytes,
    sender: str,
    recipients: Sequence[str],
    require_tls: bool,
) -> DeliveryResult:
    return deliver(raw, sender, recipients, target, require_tls)


REJECT_TEMPLATE = """\
Your message {{ message_id }} to {{ recipients | join(", ") }}
was held for review by {{ district }} and, after review, will not be delivered.

{% if rules %}
Why it was held:
{% for rule in rules %}
  - {{ rule.explanation }}{% if rule.clauses %} ({{ rule.clauses | join(", ") }}){% endif %}

{% endfor %}
{% endif %}
The reviewer's note:
  {{ note }}

If the information must reach these recipients, use an approved, secure way to share it,
or contact the district's data-protection office.
"""


@dataclass(frozen=True, slots=True)
class RejectNotice:
    """The notice a reviewer's rejection sends; built from the stored (masked) decision only.

    ``outbox``: the quarantine's outbound queue; a notice the next hop puts off then stays
    there for the gateway's worker to retry (without one it gets its one attempt)."""

    deliver: Deliver
    target: DeliveryTarget
    from_address: str
    district: str
    subject: str = "Your message was not delivered"
    template: str = REJECT_TEMPLATE
    outbox: Outbox | None = None

    def compose(self, message: HeldMessage, note: str) -> bytes:
        recipients = message.recipients
        rules: dict[str, dict[str, object]] = {}
        for verdict in message.decision.get("recipients", []) or []:  # type: ignore[attr-defined]
            if verdict.get("address") not in recipients:
                continue
            for rule in verdict.get("rules", []):
                rules.setdefault(rule["rule"], rule)
        environment = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
        )
        message_id = message.message_id
        body = environment.from_string(self.template).render(
            message_id=message_id or "(no message id)",
            recipients=list(recipients),
            district=self.district,
            rules=list(rules.values()),
            note=note,
        )
        return compose(self.from_address, message.sender, self.subject, body, message_id)

    def send(self, message: HeldMessage, note: str) -> Tried:
        """Queue the notice to the held message's sender and make its first attempt (the
        rejection is already committed); the queue's log lines name the held message's id."""
        raw = self.compose(message, note)
        step = ActionStep(bind(self.deliver, self.target), self.outbox)
        (tried,) = step.notify([NoticeMail(message.sender, raw, "reject-notice", message.id)])
        return tried
