"""Releasing a held message: through the gateway's own delivery code (`dlp.delivery.deliver`),
optionally encrypted, and the reviewer's reject notice to the sender.

Encrypted release follows the policy's rule for encryption: S/MIME to the recipients the
district holds a certificate for, and for the others delivery only over verified TLS.
Every copy is stamped by the gateway's own `smtp_gateway.headers.stamp`, which first removes
any ``X-DLP-*`` field the sender wrote: a released copy carries only the verdict given here.
"""

from __future__ import annotations

import email.policy
import email.utils
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from dlp.actions.smime import CertificateStore, encrypt_message
from dlp.delivery import DeliveryResult, DeliveryTarget, RecipientResult
from smtp_gateway.headers import stamp

Deliver = Callable[[bytes, str, Sequence[str], DeliveryTarget, bool], DeliveryResult]


@dataclass(frozen=True, slots=True)
class Releaser:
    deliver: Deliver
    target: DeliveryTarget
    certificates: CertificateStore = field(default_factory=lambda: CertificateStore({}, ()))
    neutral_subject: str | None = None

    def send(
        self, held_id: str, raw: bytes, sender: str, recipients: Sequence[str], encrypt: bool
    ) -> DeliveryResult:
        """Deliver to ``recipients``; never raises for what the network does."""
        fields = [("X-DLP-Verdict", "released"), ("X-DLP-Id", held_id)]
        if not encrypt:
            return self.deliver(stamp(raw, fields), sender, recipients, self.target, False)
        with_certificate = [a for a in recipients if self.certificates.lookup(a) is not None]
        without = [a for a in recipients if a not in with_certificate]
        results: list[RecipientResult] = []
        if with_certificate:
            enveloped = encrypt_message(
                raw, self.certificates.for_recipients(with_certificate), self.neutral_subject
            )
            copy = stamp(enveloped, [*fields, ("X-DLP-Encryption", "smime")])
            results.extend(
                self.deliver(copy, sender, with_certificate, self.target, False).recipients
            )
        if without:
            copy = stamp(raw, [*fields, ("X-DLP-Encryption", "require-tls")])
            results.extend(self.deliver(copy, sender, without, self.target, True).recipients)
        return DeliveryResult(tuple(results))


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
    """The notice a reviewer's rejection sends; built from the stored (masked) decision only."""

    deliver: Deliver
    target: DeliveryTarget
    from_address: str
    district: str
    subject: str = "Your message was not delivered"
    template: str = REJECT_TEMPLATE

    def compose(
        self,
        sender: str,
        message_id: str,
        recipients: Sequence[str],
        decision: Mapping[str, object],
        note: str,
    ) -> bytes:
        rules: dict[str, dict[str, object]] = {}
        for verdict in decision.get("recipients", []) or []:  # type: ignore[attr-defined]
            if verdict.get("address") not in recipients:
                continue
            for rule in verdict.get("rules", []):
                rules.setdefault(rule["rule"], rule)
        environment = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
        )
        body = environment.from_string(self.template).render(
            message_id=message_id or "(no message id)",
            recipients=list(recipients),
            district=self.district,
            rules=list(rules.values()),
            note=note,
        )
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = self.from_address
        message["To"] = sender
        message["Subject"] = self.subject
        message["Date"] = email.utils.formatdate(usegmt=True)
        message["Message-ID"] = email.utils.make_msgid("dlp", domain=socket.gethostname())
        message["Auto-Submitted"] = "auto-replied"
        if message_id:
            message["In-Reply-To"] = message_id
            message["References"] = message_id
        message.set_content(body, cte="quoted-printable")
        return message.as_bytes()

    def send(
        self,
        sender: str,
        message_id: str,
        recipients: Sequence[str],
        decision: Mapping[str, object],
        note: str,
    ) -> DeliveryResult:
        raw = self.compose(sender, message_id, recipients, decision, note)
        # The null envelope sender, as for any bounce: a notice never loops.
        return self.deliver(raw, "", [sender], self.target, False)
