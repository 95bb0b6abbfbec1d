"""The mail the portal sends: the recipient's notice (English, then Spanish), the one-time code,
a new link, and the sender's note with a link to revoke.

Built from the envelope, the district's settings and a Subject masked where the scan found a
protected value in it; never from the message's content. The notice's only link points at the
portal (``public_url``), and it never asks for a password: the templates say so, and a district
that overrides them is checked for a second link (`NoticeTemplates.load`).
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from dlp.actions.mail import compose
from dlp.extract.headers import header_text
from dlp.identifiers import mask_spans
from dlp.model import ScanResult
from dlp.pipeline import MESSAGE_LOCATION

SUBJECT_PART = "Subject"
_URL = re.compile(r"https?://", re.IGNORECASE)


class NoticeTemplateError(ValueError):
    pass


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )


def _shipped(name: str) -> str:
    return (resources.files("dlp.portal") / "templates" / name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class NoticeTemplates:
    english: str
    spanish: str

    @classmethod
    def load(cls, english: Path | None, spanish: Path | None) -> NoticeTemplates:
        """The district's templates where given, else the shipped ones; a template with a link
        of its own (anything but ``{{ link }}``) is refused: the notice's only link is the
        portal's."""
        texts = []
        for path, shipped in ((english, "notice_en.txt.j2"), (spanish, "notice_es.txt.j2")):
            if path is None:
                texts.append(_shipped(shipped))
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise NoticeTemplateError(f"{path}: cannot read: {error}") from None
            if _URL.search(text):
                raise NoticeTemplateError(f"{path}: the notice's only link is {{{{ link }}}}")
            if "{{ link }}" not in text:
                raise NoticeTemplateError(f"{path}: the notice needs {{{{ link }}}}")
            try:
                _environment().from_string(text)
            except Exception as error:
                raise NoticeTemplateError(f"{path}: {error}") from None
            texts.append(text)
        return cls(texts[0], texts[1])


def masked_subject(raw_subject: str, scan: ScanResult) -> str:
    """The Subject with every value the scan found in it masked; "" when the message was not
    scanned as a whole (a failed scan cannot vouch for it)."""
    if any(item.location == MESSAGE_LOCATION for item in scan.unscannable):
        return ""
    text = header_text(raw_subject) if raw_subject else ""
    spans = [
        finding
        for finding in scan.findings
        if finding.location.part == SUBJECT_PART and finding.location.path == MESSAGE_LOCATION.path
    ]
    masked = mask_spans(text, spans) if spans else text
    return " ".join(masked.split())[:200]


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Mailer:
    """Composes the portal's mail for one district."""

    from_address: str
    district: str
    public_url: str
    phrase: str
    templates: NoticeTemplates

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).netloc

    def link(self, token: str) -> str:
        return f"{self.public_url}/pickup/{token}"

    def notice(
        self, sender: str, recipient: str, subject: str, token: str, expires: int, about: str
    ) -> bytes:
        values = {
            "sender": sender,
            "recipient": recipient,
            "district": self.district,
            "subject": subject,
            "link": self.link(token),
            "expires": _day(expires),
            "portal_host": self.host,
            "phrase": self.phrase,
        }
        english = _environment().from_string(self.templates.english).render(**values)
        spanish = _environment().from_string(self.templates.spanish).render(**values)
        body = f"{english.strip()}\n\n---- Español ----\n\n{spanish.strip()}\n"
        title = f"Secure message / Mensaje seguro: {subject}" if subject else "Secure message"
        return compose(self.from_address, recipient, title[:200], body, about)

    def code(self, recipient: str, code: str, minutes: int) -> bytes:
        body = (
            f"Your one-time code for {self.district}'s secure message: {code}\n"
            f"It works for {minutes} minutes. Type it on the page at {self.host}.\n"
            f"{self.district} will never ask for your password.\n\n"
            f"Su código de un solo uso para el mensaje seguro de {self.district}: {code}\n"
            f"Funciona durante {minutes} minutos. Escríbalo en la página de {self.host}.\n"
            f"{self.district} nunca le pedirá su contraseña.\n"
        )
        if self.phrase:
            body += f"\n{self.phrase}\n"
        return compose(self.from_address, recipient, "Your one-time code / Su código", body, "")

    def reply(self, to: str, recipient: str, subject: str, text: str) -> bytes:
        """The recipient's reply to ``to``: From the portal's own address, Reply-To the
        recipient, so that answering it reaches them."""
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = self.from_address
        message["To"] = to
        message["Reply-To"] = recipient
        title = " ".join(subject.split())
        message["Subject"] = (title if title.lower().startswith("re:") else f"Re: {title}")[:200]
        message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = email.utils.make_msgid("dlp-portal", domain=self.host or None)
        message.set_content(
            f"{recipient} replied through {self.district}'s secure portal:\n\n{text}\n",
            cte="quoted-printable",
        )
        return message.as_bytes()

    def sender_note(self, sender: str, recipients: list[str], token: str, about: str) -> bytes:
        body = (
            "Your message was encrypted: the recipients below receive a notice and pick it up "
            f"on {self.district}'s secure portal.\n\n"
            + "".join(f"  {address}\n" for address in recipients)
            + "\nTo revoke their access, open:\n\n"
            f"  {self.public_url}/revoke/{token}\n"
        )
        return compose(self.from_address, sender, "Sent securely through the portal", body, about)
