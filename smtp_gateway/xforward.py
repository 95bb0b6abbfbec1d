"""XFORWARD (Postfix's XFORWARD_README): the MTA in front of the gateway says who its client
was, so the gateway's logs and audit name the teacher's machine, not Postfix on loopback, and
the re-injection listener logs it likewise.

Only clients in ``client_networks`` may send it (anyone else could make up a client). The
attributes hold for the next mail transaction only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

# What the gateway takes and passes on: who the client was, never its software's claims
# beyond HELO. (IDENT, SOURCE and PORT are accepted and dropped.)
ATTRIBUTES = ("NAME", "ADDR", "PROTO", "HELO")
KNOWN = frozenset((*ATTRIBUTES, "IDENT", "SOURCE", "PORT"))
UNAVAILABLE = frozenset(("[UNAVAILABLE]", "[TEMPUNAVAIL]"))
MAX_VALUE = 255
_XTEXT = re.compile(r"\+([0-9A-F]{2})")
_PRINTABLE = re.compile(r"[ -~]+")  # printable ASCII: nothing that could forge a log line


class XforwardSyntax(ValueError):
    """The command's argument is not ``NAME=value`` pairs of known attributes."""


def _xtext_decode(value: str) -> str:
    return _XTEXT.sub(lambda match: chr(int(match.group(1), 16)), value)


def parse(argument: str) -> dict[str, str]:
    """The attributes of one ``XFORWARD`` command: known names, decoded values; unavailable
    values and attributes the gateway does not keep are left out. A malformed ADDR is
    dropped rather than logged as if it were an address."""
    words = argument.split()
    if not words:
        raise XforwardSyntax(argument)
    found: dict[str, str] = {}
    for word in words:
        name, sep, raw = word.partition("=")
        name = name.upper()
        if not sep or name not in KNOWN:
            raise XforwardSyntax(word)
        value = _xtext_decode(raw)
        if name not in ATTRIBUTES or value in UNAVAILABLE or not value:
            continue
        if len(value) > MAX_VALUE or not _PRINTABLE.fullmatch(value):
            raise XforwardSyntax(word)
        if name == "ADDR":
            value = value.removeprefix("IPV6:").removeprefix("ipv6:")
            try:
                value = str(ipaddress.ip_address(value))
            except ValueError:
                continue
        found[name] = value
    return found


@dataclass(frozen=True, slots=True)
class Client:
    """The original client of a message, as the MTA in front forwarded it."""

    name: str = ""
    addr: str = ""
    proto: str = ""
    helo: str = ""

    @classmethod
    def of(cls, attributes: Mapping[str, str]) -> Client | None:
        if not attributes:
            return None
        return cls(
            attributes.get("NAME", ""),
            attributes.get("ADDR", ""),
            attributes.get("PROTO", ""),
            attributes.get("HELO", ""),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            key: value
            for key, value in (
                ("name", self.name),
                ("addr", self.addr),
                ("proto", self.proto),
                ("helo", self.helo),
            )
            if value
        }

    def attributes(self) -> dict[str, str]:
        """As XFORWARD attributes, for the next hop."""
        return {key.upper(): value for key, value in self.to_dict().items()}
