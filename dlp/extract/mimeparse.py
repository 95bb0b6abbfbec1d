"""The stdlib's compat32 message parser, without its line-by-line walk through large encoded
bodies.

``email.parser`` reads a message one line at a time, in Python: a 1.3 MB base64 attachment is
some 18,000 lines and most of the parse. A long run of lines made only of base64 characters
(letters, digits, "+", "/", "=") cannot be a header, a header's continuation, a boundary or a
blank line, so the parser does the same thing with each of them: it adds it to the body it is
reading. ``parse`` hands the parser one placeholder line for each such run, and puts the run's
lines back where the placeholder landed (a body, a preamble or an epilogue), so the tree and
every payload are the ones ``BytesParser(policy=compat32).parsebytes`` gives, byte for byte.
The parser drops the line ending of a body's last line; the placeholder carries the run's last
line ending, and what it is replaced by is the run without it, so both cases come out the same.
"""

from __future__ import annotations

import binascii
import importlib
import re
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Worth a placeholder: shorter runs cost the parser little.
MIN_RUN_BYTES = 32 * 1024
_ENCODED_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
_CHUNK = 65536
_CR, _LF = 13, 10
_NOT_ENCODED = re.compile(rb"[^A-Za-z0-9+/=\r\n]")
_MARK = "\x00dlp-encoded-run-"
_MARK_BYTES = _MARK.encode("ascii")
_PLACED = re.compile("\x00dlp-encoded-run-([0-9]+)\x00")
# A blank line (the end of a header block, or a blank line in a body): where a run may start.
# The run's first line is not blank, so after it the parser is reading a body (a nested
# message's header block ends at a line that is not a header), where every line of the run is
# one more line of that body, blank or not.
_BLANK = re.compile(rb"\n\r?\n")


def _load_decoder() -> Callable[[bytes], bytes]:
    """pybase64's decoder where it is installed (SIMD: some 8 times faster than binascii on a
    megabyte attachment), else binascii's. `payload_bytes` hands it only whole groups of
    base64 characters with line endings between and padding at the end, which both decode
    alike."""
    try:
        module = importlib.import_module("pybase64")
    except ImportError:
        return binascii.a2b_base64
    decoder: Callable[[bytes], bytes] = module.b64decode
    return decoder


_decode_base64 = _load_decoder()


def parse(raw: bytes) -> Message:
    """``BytesParser(policy=compat32).parsebytes(raw)``, faster on long base64 bodies."""
    runs, text = _placeheld(raw)
    if not runs:
        return BytesParser(policy=compat32).parsebytes(raw)
    message = BytesParser(policy=compat32).parsebytes(text)
    if _restore(message, runs) != len(runs):  # a placeholder landed elsewhere: parse it whole
        return BytesParser(policy=compat32).parsebytes(raw)
    return message


def _placeheld(raw: bytes) -> tuple[list[str], bytes]:
    """The runs replaced, and ``raw`` with a placeholder line for each."""
    if len(raw) < MIN_RUN_BYTES or _MARK_BYTES in raw:
        return [], raw
    runs: list[str] = []
    pieces: list[bytes] = []
    done = 0
    position = 0
    while True:
        blank = _BLANK.search(raw, position)
        if blank is None:
            break
        start = position = blank.end()
        if start >= len(raw) or raw[start] in b"\r\n":
            continue  # another blank line: the run, if any, starts after it
        end = raw.rfind(b"\n", start, _first_not_encoded(raw, start)) + 1
        position = max(position, end)
        if end - start < MIN_RUN_BYTES:
            continue
        if _has_lone_cr(raw, start, end):
            continue  # a lone CR ends a line for the parser
        ending = b"\r\n" if raw.endswith(b"\r\n", start, end) else b"\n"
        pieces.append(raw[done:start])
        pieces.append(b"%s%d\x00%s" % (_MARK_BYTES, len(runs), ending))
        with memoryview(raw) as view:  # decoded from the message itself, not from a copy
            runs.append(str(view[start : end - len(ending)], "ascii"))
        done = end
    if not runs:
        return [], raw
    pieces.append(raw[done:])
    return runs, b"".join(pieces)


def _first_not_encoded(raw: bytes, start: int) -> int:
    """Where the first byte from ``start`` on that is not a base64 character or a line ending
    is (the end of ``raw`` if none): whole chunks checked at once, the regular expression only
    inside the chunk that has one."""
    while start < len(raw):
        chunk = raw[start : start + _CHUNK]
        if chunk.translate(None, _ENCODED_CHARS):
            found = _NOT_ENCODED.search(chunk)
            assert found is not None
            return start + found.start()
        start += _CHUNK
    return len(raw)


def _codes(data: bytes, start: int = 0, end: int | None = None) -> np.ndarray:
    """``data[start:end]`` as a numpy array, without a copy: the checks below make a pass
    each over a megabyte body in C (`bytes.count` of one byte, or a regular expression that
    stops at every CR, ran at a quarter of the speed).

    numpy is imported here, only for a body past `MIN_RUN_BYTES`: a scan of a short message
    does not pay for its import."""
    import numpy

    stop = len(data) if end is None else end
    return numpy.frombuffer(data, dtype=numpy.uint8, count=stop - start, offset=start)


def _line_ending_bytes(data: bytes) -> int:
    """How many CRs and LFs ``data`` holds."""
    from numpy import count_nonzero

    codes = _codes(data)
    return int(count_nonzero(codes == _LF)) + int(count_nonzero(codes == _CR))


def _has_lone_cr(raw: bytes, start: int, end: int) -> bool:
    """Whether a CR in ``raw[start:end]`` is not followed there by an LF (a line ending for
    the parser): what a search for ``\\r(?!\\n)`` from ``start`` to ``end`` finds."""
    codes = _codes(raw, start, end)
    returns = (codes == _CR).nonzero()[0]
    if not len(returns):
        return False
    if returns[-1] == len(codes) - 1:
        return True
    return bool((codes[returns + 1] != _LF).any())


def _restore(message: Message, runs: list[str]) -> int:
    """Puts each run back in place of its placeholder; how many were put back."""
    restored = 0

    def back(found: re.Match[str]) -> str:
        nonlocal restored
        restored += 1
        return runs[int(found.group(1))]

    for part in message.walk():
        payload = part._payload  # type: ignore[attr-defined]  # get_payload() may decode
        if isinstance(payload, str) and _MARK in payload:
            part._payload = _PLACED.sub(back, payload)  # type: ignore[attr-defined]
        for name in ("preamble", "epilogue"):
            value = getattr(part, name, None)
            if isinstance(value, str) and _MARK in value:
                setattr(part, name, _PLACED.sub(back, value))
    return restored


def payload_bytes(part: Message) -> bytes | None:
    """``part.get_payload(decode=True)``; a long base64 body that needs none of the stdlib's
    repairs (base64 characters and line endings only, its padding only at the end, whole
    groups of four) decoded at once, without splitting it into lines and joining them."""
    payload = part._payload  # type: ignore[attr-defined]
    if (
        isinstance(payload, str)
        and len(payload) >= MIN_RUN_BYTES
        and payload.isascii()
        and not part.is_multipart()
        and str(part.get("content-transfer-encoding", "")).lower() == "base64"
    ):
        data = payload.encode("ascii")
        if not data.translate(None, _ENCODED_CHARS):
            pad = data.find(b"=")
            characters = len(data) - _line_ending_bytes(data)
            if characters % 4 == 0 and (
                pad < 0 or (data.count(b"=", pad) <= 2 and not data[pad:].translate(None, b"=\r\n"))
            ):
                return _decode_base64(data)
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else None
