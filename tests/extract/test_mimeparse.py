"""dlp.extract.mimeparse against the stdlib parser it stands in for: the same tree, headers,
payloads, preambles, epilogues and defects, on well-formed and damaged messages."""

from __future__ import annotations

import base64
import os
import re
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.extract import mimeparse


def _shape(message: Message) -> list[object]:
    out: list[object] = []
    for part in message.walk():
        out.append(
            (
                part.get_unixfrom(),
                list(part.items()),
                part._payload if isinstance(part._payload, str) else None,  # type: ignore[attr-defined]
                part.preamble,
                part.epilogue,
                [type(defect).__name__ for defect in part.defects],
                part.get_payload(decode=True) if not part.is_multipart() else None,
            )
        )
    return out


def _same(raw: bytes) -> None:
    expected = BytesParser(policy=compat32).parsebytes(raw)
    got = mimeparse.parse(raw)
    assert _shape(got) == _shape(expected)
    assert got.as_bytes() == expected.as_bytes()


def _encoded(data: bytes, width: int, eol: bytes) -> bytes:
    text = base64.b64encode(data)
    return eol.join(text[i : i + width] for i in range(0, len(text), width)) + eol


_EOLS = st.sampled_from([b"\n", b"\r\n"])


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    eol = draw(_EOLS)
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        body = _encoded(os.urandom(draw(st.integers(0, 3000))), draw(st.integers(4, 120)), eol)
        tail = draw(st.sampled_from([b"", eol, eol + eol, b"\r", b"-- sig" + eol]))
        head = draw(
            st.sampled_from(
                [
                    b"Content-Type: application/octet-stream"
                    + eol
                    + b"Content-Transfer-Encoding: base64"
                    + eol
                    + eol,
                    b"Content-Type: message/rfc822" + eol + eol,  # headers of base64 lines
                    b"Content-Transfer-Encoding: base64" + eol,  # no blank line at all
                    eol + eol,
                ]
            )
        )
        parts.append(head + body + tail)
    boundary = b"b0undary"
    multipart = draw(st.booleans())
    top = b"From: a@example.org" + eol + b"Subject: s" + eol
    if not multipart:
        return top + b"Content-Transfer-Encoding: base64" + eol + eol + parts[0]
    inner = b"".join(b"--" + boundary + eol + part for part in parts)
    closing = draw(st.sampled_from([b"--" + boundary + b"--" + eol, b""]))  # or cut off
    epilogue = draw(st.sampled_from([b"", _encoded(os.urandom(200), 76, eol)]))
    return (
        top
        + b'Content-Type: multipart/mixed; boundary="'
        + boundary
        + b'"'
        + eol
        + eol
        + draw(st.sampled_from([b"", _encoded(os.urandom(300), 60, eol)]))  # a preamble
        + inner
        + closing
        + epilogue
    )


@settings(max_examples=150, deadline=None)
@given(messages())
def test_same_tree_as_the_stdlib_parser(raw: bytes) -> None:
    old = mimeparse.MIN_RUN_BYTES
    mimeparse.MIN_RUN_BYTES = 16  # every run, however short, takes the placeholder path
    try:
        _same(raw)
    finally:
        mimeparse.MIN_RUN_BYTES = old


def test_a_large_attachment_takes_the_placeholder_path() -> None:
    eol = b"\r\n"
    body = _encoded(os.urandom(200_000), 76, eol)
    raw = (
        b'From: a@example.org\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body
        + b"\r\n--x--\r\n"
    )
    runs, text = mimeparse._placeheld(raw)
    assert len(runs) == 1 and len(text) < 1000
    _same(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00dlp-encoded-run-0\x00\n" * 4000,  # the placeholder itself in the message
        b"Subject: x\n\n" + b"QUJD\rQUJD\n" * 8000,  # lone CRs are line endings too
        b"Subject: x\n\n" + b"QUJD-\n" * 8000,
    ],
)
def test_messages_it_leaves_to_the_stdlib(raw: bytes) -> None:
    _same(raw)


def test_corpus_messages() -> None:
    corpus = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
    found = sorted(corpus.rglob("*.eml"))[:200] if corpus.is_dir() else []
    if not found:
        pytest.skip("no shared corpus messages here")
    old = mimeparse.MIN_RUN_BYTES
    mimeparse.MIN_RUN_BYTES = 16
    try:
        for path in found:
            _same(path.read_bytes())
    finally:
        mimeparse.MIN_RUN_BYTES = old


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=200),
    width=st.integers(1, 80),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    damage=st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from(["=", "==", "-", " ", "\x0c", "Q", "é"])),
        max_size=3,
    ),
    cte=st.sampled_from(["base64", "BASE64", "quoted-printable", ""]),
)
def test_payload_bytes_is_the_stdlib_decoding(
    data: bytes, width: int, eol: str, damage: list[tuple[int, str]], cte: str
) -> None:
    text = base64.b64encode(data).decode("ascii")
    text = eol.join(text[i : i + width] for i in range(0, len(text), width)) + eol
    for position, inserted in damage:
        text = text[:position] + inserted + text[position:]
    old = mimeparse.MIN_RUN_BYTES
    mimeparse.MIN_RUN_BYTES = 0
    try:
        part = Message()
        if cte:
            part["Content-Transfer-Encoding"] = cte
        part.set_payload(text)
        got = mimeparse.payload_bytes(part)
        fresh = Message()
        if cte:
            fresh["Content-Transfer-Encoding"] = cte
        fresh.set_payload(text)
        assert got == fresh.get_payload(decode=True)
        assert [type(d) for d in part.defects] == [type(d) for d in fresh.defects]
    finally:
        mimeparse.MIN_RUN_BYTES = old


def test_payload_bytes_by_either_decoder_is_the_stdlib_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """binascii's decoder, and pybase64's where it is installed: the same bytes."""
    import binascii

    monkeypatch.setattr(mimeparse, "_decode_base64", binascii.a2b_base64)
    test_payload_bytes_is_the_stdlib_decoding()
    pybase64 = pytest.importorskip("pybase64")
    monkeypatch.setattr(mimeparse, "_decode_base64", pybase64.b64decode)
    test_payload_bytes_is_the_stdlib_decoding()


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(st.sampled_from([b"QUJD", b"\r", b"\n", b"\r\n", b"="])).map(b"".join),
    cut=st.integers(0, 40),
)
def test_lone_cr_check_is_the_regular_expression(raw: bytes, cut: int) -> None:
    """`_has_lone_cr` on the runs `_placeheld` gives it (from a line's start to just after an
    LF) against the expression it stands in for, ``\\r(?!\\n)`` searched up to ``end``."""
    start = min(cut, len(raw))
    end = raw.rfind(b"\n", start) + 1
    if end <= start:
        return
    expected = re.compile(rb"\r(?!\n)").search(raw, start, end) is not None
    assert mimeparse._has_lone_cr(raw, start, end) == expected
