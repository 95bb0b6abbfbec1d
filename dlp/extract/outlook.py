"""Outlook .msg files ([MS-OXMSG]), read with olefile: subject, sender and recipient names,
bodies (plain, HTML or compressed RTF), attachments and attached messages."""

from __future__ import annotations

from collections.abc import Iterator

import olefile

from dlp.extract.charset import decode
from dlp.extract.context import Context, Item
from dlp.extract.mailbody import body_items
from dlp.extract.source import Source
from dlp.model import Location, Segment, Unscannable, UnscannableReason

_SUBJECT, _SENDER, _TO, _CC = "0037", "0C1A", "0E04", "0E03"
_BODY, _HTML, _RTF = "1000", "1013", "1009"
_LONG_NAME, _SHORT_NAME, _DISPLAY_NAME, _DATA = "3707", "3704", "3001", "3701"
_EMBEDDED = "__substg1.0_3701000D"
_ATTACHMENT = "__attach_version1.0_#"


def extract(ole: olefile.OleFileIO, location: Location, ctx: Context) -> Iterator[Item]:
    entries = [tuple(entry) for entry in ole.listdir(streams=True, storages=True)]
    yield from _message(ole, entries, (), location, ctx)


def _message(
    ole: olefile.OleFileIO,
    entries: list[tuple[str, ...]],
    prefix: tuple[str, ...],
    location: Location,
    ctx: Context,
) -> Iterator[Item]:
    for prop, part in ((_SUBJECT, "Subject"), (_SENDER, "From"), (_TO, "To"), (_CC, "Cc")):
        value = _string(ole, prefix, prop)
        if value and value.strip():
            yield Segment(value, location.with_detail(part=part))
    html_text = _string(ole, prefix, _HTML)
    yield from body_items(
        _string(ole, prefix, _BODY),
        html_text if html_text is not None else _binary(ole, prefix, _HTML),
        _binary(ole, prefix, _RTF),
        location,
        ctx,
    )
    attachments = sorted(
        entry
        for entry in entries
        if len(entry) == len(prefix) + 1
        and entry[:-1] == prefix
        and entry[-1].startswith(_ATTACHMENT)
    )
    for number, attachment in enumerate(attachments, start=1):
        ctx.check_time()
        name = (
            _string(ole, attachment, _LONG_NAME)
            or _string(ole, attachment, _SHORT_NAME)
            or _string(ole, attachment, _DISPLAY_NAME)
            or f"attachment {number}"
        ).strip("\x00 ")
        where = location.child(name)
        nested = ctx.nested()
        if (*attachment, _EMBEDDED) in entries:
            if nested.depth > ctx.limits.max_depth:
                yield Unscannable(
                    where, UnscannableReason.BOMB, "attached messages nested too deep"
                )
                continue
            yield from _message(ole, entries, (*attachment, _EMBEDDED), where, nested)
            continue
        data = _binary(ole, attachment, _DATA)
        if data is None:
            continue  # attached by reference: the file itself does not travel with the message
        yield from ctx.dispatch(Source.from_bytes(data, name), where, nested)


def _stream(ole: olefile.OleFileIO, path: tuple[str, ...]) -> bytes | None:
    if not ole.exists("/".join(path)):
        return None
    data: bytes = ole.openstream(list(path)).read()
    return data


def _string(ole: olefile.OleFileIO, prefix: tuple[str, ...], prop: str) -> str | None:
    unicode = _stream(ole, (*prefix, f"__substg1.0_{prop}001F"))
    if unicode is not None:
        return unicode.decode("utf-16-le", errors="replace").rstrip("\x00")
    eight_bit = _stream(ole, (*prefix, f"__substg1.0_{prop}001E"))
    if eight_bit is not None:
        return decode(eight_bit).rstrip("\x00")
    return None


def _binary(ole: olefile.OleFileIO, prefix: tuple[str, ...], prop: str) -> bytes | None:
    return _stream(ole, (*prefix, f"__substg1.0_{prop}0102"))
