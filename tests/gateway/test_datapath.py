"""The DATA path on its own: end-of-data detection, strict line endings, unstuffing, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.actions.headers import stamp
from smtp_gateway import replies
from smtp_gateway.datapath import DataRefused, Received, receive, unstuff


def stuff(message: bytes) -> bytes:
    """What a client sends for ``message`` (CRLF endings): dot-stuffed, then CRLF "." CRLF."""
    if message and not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message.split(b"\r\n")[:-1] if message else []
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)


def feed(chunks: list[bytes], max_bytes: int = 1 << 20) -> Received:
    async def run() -> Received:
        reader = asyncio.StreamReader()
        for chunk in chunks:
            reader.feed_data(chunk)
        reader.feed_eof()
        return await receive(reader, max_bytes)

    return asyncio.run(run())


lines = st.lists(
    st.binary(max_size=60).map(
        lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(lines=lines, cuts=st.lists(st.integers(min_value=1, max_value=50), max_size=10))
def test_round_trip_whatever_the_chunking(lines: list[bytes], cuts: list[int]) -> None:
    message = b"".join(line + b"\r\n" for line in lines)
    wire = stuff(message) + b".\r\n" + b"QUIT\r\n"
    chunks, position = [], 0
    for cut in cuts:
        chunks.append(wire[position : position + cut])
        position += cut
    chunks.append(wire[position:])
    received = feed([chunk for chunk in chunks if chunk])
    assert received.leftover == b"QUIT\r\n"
    assert unstuff(received.stuffed, 998) == message


def test_empty_message() -> None:
    received = feed([b".\r\n"])
    assert received.stuffed == b"" and unstuff(received.stuffed, 998) == b""


@pytest.mark.parametrize(
    "wire",
    [
        b"a\n.\nMAIL FROM:<x@y>\r\n.\r\n",  # LF.LF smuggling
        b"a\r\n.\nb\r\n.\r\n",
        b"a\n.\r\nb\r\n.\r\n",
        b"a\r.\rb\r\n.\r\n",  # CR.CR
        b"bare\nlf\r\n.\r\n",
        b"bare\rcr\r\n.\r\n",
        b"ends with cr\r\r\n.\r\n",
    ],
)
def test_bare_line_endings_are_refused(wire: bytes) -> None:
    received = feed([wire])
    assert received.leftover == b""  # the whole thing up to the one real end was read
    with pytest.raises(DataRefused) as refused:
        unstuff(received.stuffed, 998)
    assert refused.value.reply in (replies.BARE_LF, replies.BARE_CR)


@given(lines=lines, row=st.integers(min_value=0), column=st.integers(min_value=0))
def test_a_nul_anywhere_is_refused(lines: list[bytes], row: int, column: int) -> None:
    lines = [*lines, b""]
    row %= len(lines)
    column %= len(lines[row]) + 1
    lines[row] = lines[row][:column] + b"\x00" + lines[row][column:]
    wire = stuff(b"".join(line + b"\r\n" for line in lines)) + b".\r\n"
    with pytest.raises(DataRefused) as refused:
        unstuff(feed([wire]).stuffed, 998)
    assert refused.value.reply == replies.NUL_IN_DATA


def test_lf_dot_lf_never_ends_the_data() -> None:
    async def run() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(b"hello\n.\n")
        task = asyncio.ensure_future(receive(reader, 1000))
        await asyncio.sleep(0.05)
        assert not task.done()
        reader.feed_data(b"\r\n.\r\n")
        received = await task
        assert received.stuffed == b"hello\n.\n\r\n"

    asyncio.run(run())


def test_line_length() -> None:
    assert unstuff(b"x" * 998 + b"\r\n", 998) == b"x" * 998 + b"\r\n"
    assert unstuff(b".." + b"x" * 997 + b"\r\n", 998) == b"." + b"x" * 997 + b"\r\n"
    with pytest.raises(DataRefused, match="longer than 998"):
        unstuff(b"x" * 999 + b"\r\n", 998)


def test_too_big_is_read_to_the_end_then_refused() -> None:
    with pytest.raises(DataRefused) as refused:
        feed([b"x" * 70 + b"\r\n"] * 100 + [b".\r\n"], max_bytes=1000)
    assert refused.value.reply == replies.TOO_BIG


def test_client_gone_during_data() -> None:
    with pytest.raises(ConnectionError):
        feed([b"half a message\r\n"])


def test_stamp_replaces_forged_fields() -> None:
    raw = (
        b"X-DLP-Verdict: deliver\r\nSubject: hi\r\nx-dlp-policy-version: forged\r\n"
        b" folded forged\r\nTo: a@b\r\n\r\nbody X-DLP-Verdict: stays\r\n"
    )
    out = stamp(raw, [("X-DLP-Verdict", "quarantine")])
    assert out == (
        b"X-DLP-Verdict: quarantine\r\nSubject: hi\r\nTo: a@b\r\n\r\nbody X-DLP-Verdict: stays\r\n"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # bare LF endings: the body is kept, only the forged field goes
        (
            b"X-DLP-Verdict: deliver\nSubject: hi\n\nbody\nX-DLP-Verdict: body line\n",
            b"X-DLP-Verdict: quarantine\r\nSubject: hi\n\nbody\nX-DLP-Verdict: body line\n",
        ),
        # headers only, the last line without its line ending
        (
            b"x-dlp-verdict: deliver\r\nSubject: no body",
            b"X-DLP-Verdict: quarantine\r\nSubject: no body",
        ),
        (
            b"Subject: hi\r\nX-Dlp-Score: 1\r\n\tfolded\r\n\r\n",
            b"X-DLP-Verdict: quarantine\r\nSubject: hi\r\n\r\n",
        ),
    ],
)
def test_stamp_keeps_every_other_byte(raw: bytes, expected: bytes) -> None:
    assert stamp(raw, [("X-DLP-Verdict", "quarantine")]) == expected


@given(
    head=st.lists(
        st.sampled_from([b"Subject: a", b"X-DLP-Verdict: x", b" fold", b"To: b@c"]), max_size=8
    ),
    body=st.binary(max_size=40),
    newline=st.sampled_from([b"\r\n", b"\n"]),
)
def test_stamp_never_loses_the_body(head: list[bytes], body: bytes, newline: bytes) -> None:
    raw = b"".join(line + newline for line in head) + newline + body
    out = stamp(raw, [("X-DLP-Verdict", "deliver")])
    assert out.endswith(newline + body)
    assert out.lower().count(b"x-dlp-verdict") == 1 + body.lower().count(b"x-dlp-verdict")


@given(
    st.lists(
        st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")), max_size=20
    ),
    st.booleans(),
)
def test_the_longest_line_is_measured_without_splitting(lines, final_crlf):
    from smtp_gateway.datapath import _longest_line

    stuffed = b"\r\n".join(lines) + (b"\r\n" if final_crlf else b"")
    expected = max((len(line) for line in stuffed.split(b"\r\n")), default=0)
    assert _longest_line(stuffed) == expected


def unstuff_by_counts(stuffed: bytes, max_line: int) -> bytes:
    """`unstuff` as it was written before its checks shared one pass (a `bytes.count` per
    line-ending check, a split per line): the reference it is held to."""
    crlf = stuffed.count(b"\r\n")
    if stuffed.count(b"\n") != crlf:
        raise DataRefused(replies.BARE_LF)
    if stuffed.count(b"\r") != crlf:
        raise DataRefused(replies.BARE_CR)
    if b"\x00" in stuffed:
        raise DataRefused(replies.NUL_IN_DATA)
    if any(len(line) - line.startswith(b".") > max_line for line in stuffed.split(b"\r\n")):
        raise DataRefused(replies.LINE_TOO_LONG.format(limit=max_line))
    content = stuffed.replace(b"\r\n.", b"\r\n")
    return content[1:] if content.startswith(b".") else content


def outcome(check: Callable[[bytes, int], bytes], stuffed: bytes, max_line: int) -> bytes | str:
    try:
        return check(stuffed, max_line)
    except DataRefused as refused:
        return refused.reply


@settings(max_examples=500, deadline=None)
@given(
    stuffed=st.lists(st.sampled_from([b"a", b"xy", b".", b"\r", b"\n", b"\r\n", b"\x00"])).map(
        b"".join
    ),
    max_line=st.integers(min_value=0, max_value=6),
)
def test_unstuff_is_the_counting_version(stuffed: bytes, max_line: int) -> None:
    assert outcome(unstuff, stuffed, max_line) == outcome(unstuff_by_counts, stuffed, max_line)


def test_unstuff_makes_no_copy_without_a_dot() -> None:
    stuffed = b"Subject: x\r\n\r\nno dot here\r\n"
    assert unstuff(stuffed, 998) is stuffed
