"""Messages the gateway itself sends to a sender: the policy notice, and a delivery failure
report for recipients the next hop refused after the gateway had already said 250.

Both go out with the null envelope sender (``<>``), like any bounce, so they never loop."""

from __future__ import annotations

import email.policy
import email.utils
import socket
from collections.abc import Sequence
from email.message import EmailMessage

from dlp.delivery import RecipientResult


def compose(sender: str, to: str, subject: str, body: str, about: str) -> bytes:
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
