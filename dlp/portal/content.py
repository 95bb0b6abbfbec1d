"""A picked-up message as the portal shows it: a few headers, its text, its attachments.

The portal never renders the sender's HTML: an HTML-only message is shown as its text, with
tags removed, escaped by the page's template like everything else. Attachments are served as
downloads (``application/octet-stream``, ``Content-Disposition: attachment``), byte for byte
as the sender attached them.
"""

from __future__ import annotations

import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()\-]+")
MAX_TEXT = 2_000_000


@dataclass(frozen=True, slots=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Shown:
    sender: str
    to: str
    date: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...]


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _all_attachments(message: EmailMessage) -> list[EmailMessage]:
    """Every attachment of the message, in order (those of nested multiparts included)."""
    found: list[EmailMessage] = []
    for part in message.walk():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment" or (
            part.get_filename() and part.get_content_disposition() != "inline"
        ):
            found.append(part)
    return found


def safe_filename(name: str | None, index: int) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name or "").strip(" .")[:120]
    return cleaned or f"attachment-{index + 1}"


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if body.get_content_subtype() == "html":
        content = html.unescape(_TAG.sub("", content))
    return content[:MAX_TEXT]


def show(raw: bytes) -> Shown:
    message = _parse(raw)
    attachments = tuple(
        Attachment(
            index,
            safe_filename(part.get_filename(), index),
            part.get_content_type(),
            len(part.get_payload(decode=True) or b""),
        )
        for index, part in enumerate(_all_attachments(message))
    )
    return Shown(
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        date=str(message.get("Date", "")),
        subject=str(message.get("Subject", "")),
        text=_text(message),
        attachments=attachments,
    )


def attachment(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """The ``index``-th attachment's safe file name and its bytes; None when there is none."""
    parts = _all_attachments(_parse(raw))
    if not 0 <= index < len(parts):
        return None
    payload = parts[index].get_payload(decode=True)
    return safe_filename(parts[index].get_filename(), index), (
        payload if isinstance(payload, bytes) else b""
    )
