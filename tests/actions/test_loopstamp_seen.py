"""`LoopStamp.seen` looks for its stamp in the header block only: the same answers as looking
through the message's first 64 KB, for stamps in the header, in the body, past 64 KB, on other
recipients."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.actions.headers import header_block, stamp
from dlp.actions.loopstamp import _FIELD, NAME, LoopStamp

STAMP = LoopStamp("gw.cusd.com", b"secret-0123456789")
PEOPLE = ["ann@example.org", "bob@example.org", "cara@cusd.com"]


def seen_before(loop: LoopStamp, raw: bytes, recipients: Iterable[str]) -> bool:
    """The earlier definition: the name anywhere in the message's first 64 KB, then the
    header block parsed."""
    if NAME.lower().encode() not in raw[:65536].lower():
        return False
    wanted = set(loop._recipients(recipients))
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        header_block(raw)
    )
    for value in head.get_all(NAME, []):
        found = _FIELD.search("".join(str(value).split()).replace(";", "; "))
        if found is None:
            continue
        host, message_id, rcpt, mac = found.groups()
        tokens = [t for t in rcpt.split(",") if t]
        if mac == loop._mac(host, message_id, tokens) and wanted <= set(tokens):
            return True
    return False


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    stamped = draw(st.lists(st.sampled_from(PEOPLE), max_size=3, unique=True))
    padding = draw(st.sampled_from([0, 10, 70_000]))
    head = b"From: t@cusd.com\r\nSubject: hi\r\n"
    if draw(st.booleans()):
        head += b"X-Pad: " + b"a" * padding + b"\r\n"  # a header block past 64 KB
    body = b"x" * draw(st.sampled_from([0, 100, 70_000]))
    if draw(st.booleans()):
        body += f"\r\n{NAME}: in the body\r\n".encode()
    raw = head + b"\r\n" + body
    if stamped:
        raw = stamp(raw, [STAMP.field("abc123", stamped)])
        if draw(st.booleans()):  # the stamp moved below the padding
            block = header_block(raw)
            first, _, rest = block.partition(b"\r\n")
            raw = rest + first + b"\r\n" + raw[len(block) :]
    return raw


@settings(max_examples=150, deadline=None)
@given(raw=messages(), recipients=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3))
def test_the_answers_of_the_first_64_kb(raw: bytes, recipients: list[str]) -> None:
    assert STAMP.seen(raw, recipients) == seen_before(STAMP, raw, recipients)


def test_a_stamped_copy_is_seen() -> None:
    raw = stamp(b"Subject: hi\r\n\r\nbody\r\n", [STAMP.field("abc123", PEOPLE[:2])])
    assert STAMP.seen(raw, PEOPLE[:2])
    assert not STAMP.seen(raw, PEOPLE)
