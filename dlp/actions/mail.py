"""Mail the district's systems write themselves: a notice to a sender (the gateway's policy
notice, a reviewer's rejection) and a delivery failure report for recipients the next hop
refused after the gateway had already said 250.

All of it goes out with the null envelope sender (``<>``), like any bounce, so it never loops,
and it is built from decisions and reply codes only, never from the message's content.
"""

from __future__ import annotations

import email.policy
import email.utils
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from dlp.delivery import RecipientResult


@dataclass(frozen=True, slots=True)
class NoticeMail:
    """One composed notice and whom it goes to; what the outbound queue stores."""

    to: str
    data: bytes
    kind: str  # "notice", "failure-report", "reject-notice": for logs and metrics
    about: str = ""  # the id (gateway id or held id) of the message it is about


def compose(sender: str, to: str, subject: str, body: str, about: str) -> bytes:
    """The notice's bytes; ``about`` (a Message-ID) threads it under the sender's message."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.utils.make_msgid("dlp", domain=socket.gethostname())
    message["Auto-Submitted"] = "auto-replied"
    if about:
        message["In-Reply-To"] = about
        message["References"] = about
    message.set_content(body, cte="quoted-printable")
    return message.as_bytes()


def failure_report(message_id: str, failed: Sequence[RecipientResult]) -> tuple[str, str]:
    lines = [
        "Your message could not be delivered to some recipients:",
        "",
        *(f"  {item.address}: {item.code or ''} {item.detail}".rstrip() for item in failed),
        "",
        f"Message: {message_id or '(no message id)'}",
        "The other recipients were handled as usual.",
    ]
    return "Undelivered mail: some recipients refused your message", "\n".join(lines) + "\n"
