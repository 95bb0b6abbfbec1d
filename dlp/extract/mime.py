"""RFC 5322 messages: headers, every body part and attachment, nested messages.

Parsing uses the stdlib's lenient compat32 policy and decodes headers, transfer encodings and
charsets here, so that a malformed header or part is degraded, never fatal. Each part is read
under its own guard: a damaged part is reported and the parts after it are still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message

from dlp.extract import htmldoc, ical, mimeparse
from dlp.extract.armor import has_pgp_message
from dlp.extract.charset import decode
from dlp.extract.context import Context, Item
from dlp.extract.headers import display_names, header_text
from dlp.extract.limits import LimitExceeded
from dlp.extract.plaintext import text_segments
from dlp.extract.source import Source, check_whole_read
from dlp.identifiers import message_id_text
from dlp.model import (
    FILE_NAME_PART,
    SUBJECT_PART,
    Location,
    Segment,
    Unscannable,
    UnscannableReason,
)

MESSAGE_ID_PART = "Message-ID"
_BODY_LABELS = {"text/plain": "body", "text/html": "html body", "text/calendar": "calendar"}
_ADDRESS_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To")
_SIGNATURES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_SMIME = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    check_whole_read(source, ctx.limits.max_message_bytes, "a mail message")
    message = mimeparse.parse(source.read_all())
    yield from message_items(message, location, ctx)


def message_items(message: Message, location: Location, ctx: Context) -> Iterator[Item]:
    subject = message.get_all("Subject") or []
    for value in subject:
        text = header_text(value)
        if text.strip():
            yield Segment(text, location.with_detail(part=SUBJECT_PART))
    # A Message-ID is made by the sender's software, which may build it from anything
    # ("<ssn.536-29-0555@...>"), and it is kept in logs and records: content like the rest.
    message_id = header_text(message.get("Message-ID", "")).strip()
    if message_id:
        yield Segment(message_id_text(message_id), location.with_detail(part=MESSAGE_ID_PART))
    for name in _ADDRESS_HEADERS:
        values = [str(v) for v in message.get_all(name) or []]
        names = display_names(values) if values else ""
        if names:
            yield Segment(names, location.with_detail(part=name))
    yield from _Walker(location, ctx).part(message)


class _Walker:
    """Walks one message's part tree, numbering bodies and unnamed parts as it goes."""

    def __init__(self, location: Location, ctx: Context) -> None:
        self.location = location
        self.ctx = ctx
        self.bodies: dict[str, int] = {}
        self.parts = 0

    def part(self, part: Message) -> Iterator[Item]:
        self.parts += 1
        number = self.parts
        if part.is_multipart():
            payload = part.get_payload()
            if (
                part.get_content_maintype() == "message"
                or part.get_content_type() == "message/rfc822"
            ):
                yield from self._attached_messages(part, payload, number)
                return
            if part.get_content_type() == "multipart/encrypted":
                yield Unscannable(
                    self.location, UnscannableReason.ENCRYPTED, "encrypted message (PGP/MIME)"
                )
                return
            for child in payload if isinstance(payload, list) else []:
                self.ctx.check_time()
                if isinstance(child, Message):
                    yield from self._guarded(child)
            return
        yield from self._leaf(part, number)

    def _guarded(self, part: Message) -> Iterator[Item]:
        try:
            yield from self.part(part)
        except LimitExceeded:
            raise
        except Exception as error:
            yield Unscannable(
                self.location,
                UnscannableReason.CORRUPT,
                f"a damaged {part.get_content_type()} part could not be read"
                f" ({type(error).__name__})",
            )

    def _attached_messages(self, part: Message, payload: object, number: int) -> Iterator[Item]:
        messages = (
            [m for m in payload if isinstance(m, Message)] if isinstance(payload, list) else []
        )
        filename = _filename(part)
        for inner in messages:
            name = filename or _message_name(inner, number)
            where = self.location.child(name)
            if filename:  # content, as an attachment's name is (dlp.extract.dispatch)
                yield Segment(filename, where.with_detail(part=FILE_NAME_PART))
            nested = self.ctx.nested()
            if nested.depth > self.ctx.limits.max_depth:
                yield Unscannable(
                    where, UnscannableReason.BOMB, "attached messages nested too deep"
                )
                continue
            yield from message_items(inner, where, nested)

    def _leaf(self, part: Message, number: int) -> Iterator[Item]:
        content_type = part.get_content_type()
        if content_type in _SIGNATURES:
            return  # a signature over other parts: no content of its own
        filename = _filename(part)
        if content_type in _SMIME:
            smime = part.get_param("smime-type") or ""
            encrypted = "enveloped" in str(smime).lower() or "signed" not in str(smime).lower()
            where = self.location.child(filename or f"part {number}")
            if encrypted:
                yield Unscannable(where, UnscannableReason.ENCRYPTED, "S/MIME encrypted content")
            else:
                yield Unscannable(
                    where,
                    UnscannableReason.UNSUPPORTED,
                    "S/MIME opaque-signed content is not unpacked",
                )
            return
        payload = mimeparse.payload_bytes(part)
        data = payload if isinstance(payload, bytes) else b""
        attachment = filename is not None or part.get_content_disposition() == "attachment"
        if content_type in _BODY_LABELS and not attachment:
            yield from self._body(part, content_type, data)
            return
        if content_type == "message/rfc822" or (content_type.startswith("message/") and not data):
            inner = mimeparse.parse(data)
            yield from self._attached_messages(part, [inner], number)
            return
        if not data and not filename:
            return  # an empty part without a name: nothing travels in it
        name = filename or f"part {number} ({content_type})"
        source = Source.from_bytes(data, name)
        yield from self.ctx.dispatch(source, self.location.child(name), self.ctx.nested())

    def _body(self, part: Message, content_type: str, data: bytes) -> Iterator[Item]:
        label = _BODY_LABELS[content_type]
        self.bodies[label] = self.bodies.get(label, 0) + 1
        if self.bodies[label] > 1:
            label = f"{label} {self.bodies[label]}"
        where = self.location.with_detail(part=label)
        charset = part.get_content_charset()
        if content_type == "text/html":
            html = htmldoc.html_texts(data, charset)
            text = html.whole
            yield from htmldoc.html_segments(html, where, self.ctx)
        else:
            text = decode(data, charset)
            if content_type == "text/calendar":
                text = ical.calendar_text(text)
            yield from text_segments(text, where, self.ctx)
        if has_pgp_message(text):
            yield Unscannable(where, UnscannableReason.ENCRYPTED, "contains a PGP-encrypted block")


def _filename(part: Message) -> str | None:
    """The attachment's name: RFC 2231 parameters, or RFC 2047 words where they are misused."""
    try:
        name = part.get_filename() or part.get_param("name")
    except (ValueError, LookupError, TypeError):
        return None
    if isinstance(name, tuple):  # an undecodable RFC 2231 value: (charset, language, text)
        name = decode(str(name[2]).encode("latin-1", "replace"), name[0])
    if not name:
        return None
    text = header_text(name).replace("\n", " ").replace("\r", " ").strip()
    return text or None


def _message_name(message: Message, number: int) -> str:
    """Named after its first Subject, which is scanned as its own segment: the findings there
    mask the name too (`dlp.identifiers.masked_name`), their offsets the same."""
    subject = header_text(message.get("Subject", "")).rstrip()
    return f"attached message {number}" + (f" ({subject[:80]})" if subject.strip() else "")
