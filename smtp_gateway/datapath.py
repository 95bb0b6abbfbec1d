"""The DATA path: read a message in large chunks, then check and unstuff it in a few passes.

aiosmtpd reads DATA one line at a time (about 75 ms for a 1.5 MB message). Here the bytes are
read as they arrive and searched only for the one end-of-data sequence RFC 5321 allows,
CRLF "." CRLF; then the whole message is checked at once with C-speed byte operations:

- strict line endings: every LF is preceded by CR and every CR followed by LF, so no bare LF or
  bare CR reaches the next hop. That is what closes SMTP smuggling: a client that ends its data
  with LF "." LF (or CR "." CR) and goes on with a second, hidden transaction gets the whole
  thing refused as one message, never split into two;
- no NUL byte (the gateway offers no BINARYMIME);
- the line length limit (RFC 5322 2.1.1: 998 octets, plus the transparency dot);
- the size limit, enforced while reading: past it, the rest is read and thrown away, and the
  client gets 552 once its end of data arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from smtp_gateway import replies

END = b"\r\n.\r\n"
CHUNK = 256 * 1024


class DataRefused(Exception):
    """The message was read to its end and is refused; ``reply`` says why."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Received:
    stuffed: bytes  # the message as sent: dot-stuffed, ending with CRLF (or empty)
    leftover: bytes  # bytes after the end of data: the client's next command, if it pipelined


async def receive(
    reader: asyncio.StreamReader, max_bytes: int, progress: Callable[[], None] = lambda: None
) -> Received:
    """Read up to and including CRLF "." CRLF. Raises `DataRefused` (552) past ``max_bytes``,
    after reading to the end; ``ConnectionError`` when the client goes away first."""
    # The CRLF in front stands for the one that ended the DATA command, so that an empty
    # message (a lone "." line) ends the same way as any other.
    buffer = bytearray(b"\r\n")
    searched = 0
    too_big = False
    while True:
        chunk = await reader.read(CHUNK)
        if not chunk:
            raise ConnectionError("connection closed during DATA")
        progress()
        buffer += chunk
        index = buffer.find(END, max(0, searched - len(END) + 1))
        if index >= 0:
            leftover = bytes(buffer[index + len(END) :])
            if too_big or index > max_bytes:
                raise DataRefused(replies.TOO_BIG)
            with memoryview(buffer) as view:  # one copy of the message, not two
                return Received(bytes(view[2 : index + 2]), leftover)
        if not too_big and len(buffer) - 2 > max_bytes + len(END):
            too_big = True
        if too_big:
            # Keep only what could be the start of the end sequence.
            del buffer[: -(len(END) - 1)]
        searched = len(buffer)


_LF, _CR, _DOT = 10, 13, 46


def _line_feeds(codes: np.ndarray) -> np.ndarray:
    """Where the LFs are in a message's bytes (``codes``): the one pass that the line-ending,
    line-length and dot checks all read (a `bytes.count` per check was three passes, each
    slower than this)."""
    return np.flatnonzero(codes == _LF)


def _longest_line(stuffed: bytes, feeds: np.ndarray | None = None) -> int:
    """Length of the longest line, its CRLF not counted (line endings already checked). By
    the positions of the LFs (``feeds``, found here if not given), without a bytes object per
    line."""
    if len(stuffed) < 2:
        return len(stuffed)
    if feeds is None:
        feeds = _line_feeds(np.frombuffer(stuffed, dtype=np.uint8))
    if not len(feeds):
        return len(stuffed)
    # Line i ends at feeds[i] - 1 (its CR) and starts after feeds[i - 1]; the last line, after
    # the last LF, runs to the end.
    longest = int(feeds[0]) - 1
    if len(feeds) > 1:
        longest = max(longest, int((feeds[1:] - feeds[:-1]).max()) - 2)
    return max(longest, len(stuffed) - int(feeds[-1]) - 1)


def _line_ending_problem(codes: np.ndarray, feeds: np.ndarray) -> str | None:
    """The refusal for a bare LF (checked first) or a bare CR; None when every LF follows a CR
    and every CR precedes an LF."""
    if len(feeds) and (feeds[0] == 0 or bool((codes[feeds - 1] != _CR).any())):
        return replies.BARE_LF
    # Every LF follows a CR, so as many CRs as LFs means none stands alone.
    if int(np.count_nonzero(codes == _CR)) != len(feeds):
        return replies.BARE_CR
    return None


def _has_stuffed_dot(stuffed: bytes, codes: np.ndarray, feeds: np.ndarray) -> bool:
    """Whether a line begins with "." (the first line too): only then is there a dot to take
    out, and a copy of the message to make."""
    if stuffed.startswith(b"."):
        return True
    starts = feeds + 1
    starts = starts[starts < len(codes)]
    return bool((codes[starts] == _DOT).any())


def unstuff(stuffed: bytes, max_line: int) -> bytes:
    """The message without transparency dots, after the line-ending and line-length checks;
    ``stuffed`` itself (no copy) when no line begins with a dot."""
    codes = np.frombuffer(stuffed, dtype=np.uint8)
    feeds = _line_feeds(codes)
    problem = _line_ending_problem(codes, feeds)
    if problem is not None:
        raise DataRefused(problem)
    if b"\x00" in stuffed:
        raise DataRefused(replies.NUL_IN_DATA)
    if _longest_line(stuffed, feeds) > max_line and any(
        len(line) - line.startswith(b".") > max_line for line in stuffed.split(b"\r\n")
    ):
        raise DataRefused(replies.LINE_TOO_LONG.format(limit=max_line))
    if not _has_stuffed_dot(stuffed, codes, feeds):
        return stuffed
    content = stuffed.replace(b"\r\n.", b"\r\n")
    return content[1:] if content.startswith(b".") else content
