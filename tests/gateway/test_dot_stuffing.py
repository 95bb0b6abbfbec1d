"""Delivery's DATA (`dlp.delivery.dot_stuffed`): the bytes smtplib's own data() would send
(its regular expression, its end of data), for any message."""

from __future__ import annotations

import smtplib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlp.delivery import dot_stuffed


def smtplib_sends(data: bytes) -> bytes:
    quoted = smtplib._quote_periods(data)  # type: ignore[attr-defined]
    if quoted[-2:] != b"\r\n":
        quoted += b"\r\n"
    return quoted + b".\r\n"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b".", b"..", b"\r\n", b"\n", b"\r", b"a", b"x.y", b" "])))
@example([])
@example([b"."])
@example([b".", b"\r\n", b".", b"\r\n"])
@example([b"\n", b".", b"\n", b"."])
def test_the_bytes_smtplib_would_send(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert dot_stuffed(data) == smtplib_sends(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([b".", b"..", b"\r\n", b"\n", b"\r", b"a", b"x.y", b" "])),
    st.integers(min_value=0, max_value=70_000),
)
@example([b"\n", b"."], 65_536)
@example([b"\r\n", b"a", b"\n"], 65_536)
@example([b"\r\n", b"..", b"\r\n"], 70_000)
def test_large_messages_too(parts: list[bytes], padding: int) -> None:
    """Past 64 KB the line starts are looked at another way (numpy): the same bytes."""
    data = b"x" * padding + b"".join(parts)
    assert dot_stuffed(data) == smtplib_sends(data)
