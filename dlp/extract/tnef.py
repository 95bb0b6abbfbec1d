"""TNEF (``winmail.dat``, application/ms-tnef): how Outlook wraps a message's rich body and
its attachments for other mail systems. Read with tnefparse: subject, body (plain, HTML or
compressed RTF, as in .msg files) and each attachment, extracted as a file of its own.

An attached Outlook message inside TNEF is TNEF again; it is extracted like any attachment,
one level deeper, so the depth limit bounds it.
"""

from __future__ import annotations

from collections.abc import Iterator

from tnefparse import TNEF

from dlp.extract.charset import decode
from dlp.extract.context import Context, Item
from dlp.extract.mailbody import body_items
from dlp.extract.members import too_many
from dlp.extract.source import Source, check_whole_read
from dlp.model import Location, Segment, Unscannable, UnscannableReason


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    # tnefparse reads the whole of it, as the mail parser reads a message: the same bound.
    check_whole_read(source, ctx.limits.max_message_bytes, "Outlook TNEF data")
    raw = source.read_all()
    tnef = TNEF(raw, do_checksum=False)
    for prop in tnef.msgprops:
        if prop.name == TNEF.ATTSUBJECT and isinstance(prop.data, str) and prop.data.strip():
            yield Segment(prop.data, location.with_detail(part="Subject"))
    plain, html = _text(tnef.body), _html(tnef.htmlbody)
    # Read only when it is the body used: tnefparse logs a warning each time it hands over
    # RTF still compressed (it leaves that to another package; rtfdoc decompresses it here).
    rtf = (tnef.rtfbody or None) if not (plain and plain.strip()) and html is None else None
    yield from body_items(plain, html, rtf, location, ctx)
    for number, attachment in enumerate(tnef.attachments, start=1):
        excess = too_many(number, location, ctx)
        if excess is not None:
            yield excess
            return
        ctx.check_time()
        data = attachment.data
        if not isinstance(data, bytes) or not data:
            continue
        name = _name(attachment.long_filename()) or f"attachment {number}"
        yield from ctx.dispatch(Source.from_bytes(data, name), location.child(name), ctx.nested())
    if _truncated(raw):
        # tnefparse reads a cut-off last object as far as it goes, without a word.
        yield Unscannable(
            location, UnscannableReason.CORRUPT, "the TNEF data is cut off: the rest was not read"
        )


def _truncated(data: bytes) -> bool:
    """Whether the last object is cut off (6-byte header, then objects of a level byte, two
    2-byte ids, a 4-byte length, the data and a 2-byte checksum). Line ends or NULs after the
    last object are padding that mail transport adds, not a cut."""
    position = 6
    while position + 9 <= len(data):
        length = int.from_bytes(data[position + 5 : position + 9], "little")
        position += 9 + length + 2
    return position > len(data) or bool(data[position:].strip(b"\r\n\x00"))


def _text(body: str | bytes | None) -> str | None:
    if isinstance(body, bytes):
        return decode(body.rstrip(b"\x00"))
    return body


def _html(body: str | bytes | None) -> str | bytes | None:
    if isinstance(body, bytes):
        return body.rstrip(b"\x00")
    return body


def _name(value: str | bytes | None) -> str:
    text = decode(value) if isinstance(value, bytes) else value or ""
    return text.replace("\x00", "").strip()
