"""MAIL and RCPT addresses (`GatewaySMTP._getaddr`): the plain ``<local@domain>`` taken as it is
gives what aiosmtpd's parser gives, address and rest, for any argument, with or without a
local part limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.smtp import SMTP
from hypothesis import given, settings
from hypothesis import strategies as st

from smtp_gateway.protocol import GatewaySMTP

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
# The parser's specials, white space (ASCII and not), non-ASCII letters, controls.
ODD = '()<>@,:;.\\"[] \t\r\n\x0b\u00a0\u2003éü\x00\x7f'

atoms = st.text(alphabet=ATEXT, min_size=1, max_size=6)
dot_atoms = st.lists(atoms, min_size=1, max_size=3).map(".".join)
near = st.text(alphabet=ATEXT + ODD, max_size=10)  # mostly atext, sometimes not
rests = st.one_of(
    st.sampled_from(["", " SIZE=5123", "  BODY=8BITMIME", "\tSIZE=1", " (comment) SIZE=1"]),
    st.sampled_from(["(c)", " ", "\u2003 SMTPUTF8", " \r\nX", "SIZE=1", ">", " )"]),
    st.text(alphabet=ATEXT + ODD + "=", max_size=12),
)


@st.composite
def arguments(draw: st.DrawFn) -> str:
    local = draw(st.one_of(dot_atoms, near))
    domain = draw(st.one_of(dot_atoms, near))
    lead = draw(st.sampled_from(["", "", " ", "\t"]))
    return lead + "<" + local + "@" + domain + ">" + draw(rests)


@pytest.fixture(scope="module")
def protocol() -> Iterator[GatewaySMTP]:
    loop = asyncio.new_event_loop()
    try:
        yield GatewaySMTP(object(), loop=loop)
    finally:
        loop.close()


def _read(read: Callable[[str], object], arg: str) -> object:
    """What ``read`` makes of ``arg``; the type of its error when it fails (the e-mail
    package's parser fails on some malformed addresses: then both must)."""
    try:
        return read(arg)
    except Exception as error:
        return type(error)


@settings(max_examples=600, deadline=None)
@given(arg=st.one_of(arguments(), st.text(alphabet=ATEXT + ODD, max_size=30)))
def test_plain_addresses_read_as_the_parser_reads_them(protocol: GatewaySMTP, arg: str) -> None:
    for limit in (0, 3, 64):
        protocol.local_part_limit = limit
        ours = _read(protocol._getaddr, arg)
        assert ours == _read(lambda text: SMTP._getaddr(protocol, text), arg)


def test_the_usual_forms(protocol: GatewaySMTP) -> None:
    protocol.local_part_limit = 0
    assert protocol._getaddr("<teacher@cusd.com>") == ("teacher@cusd.com", "")
    assert protocol._getaddr("<a.b+c@x.example.org>  SIZE=12") == ("a.b+c@x.example.org", "SIZE=12")
    commented = "<a@b> (note) SIZE=1"
    assert protocol._getaddr(commented) == SMTP._getaddr(protocol, commented)
    protocol.local_part_limit = 3
    assert protocol._getaddr("<abcd@cusd.com>") == (None, None)
