"""Where mail can go around the gateway in a Postfix configuration.

Reads what Postfix itself says (``postconf -M`` for master.cf's entries, ``postconf -h`` for
main.cf's values) rather than the files, so comments, continuation lines and defaults are
Postfix's own reading. Each entry is judged on its own: with two entries of one name, Postfix
uses one and warns only in its log, so both are reported.

The rules:
- every service that takes mail in (``smtpd``, ``qmqpd``, ``pickup``) has a ``content_filter``,
  its own ``-o`` or main.cf's;
- the one exception is the re-injection listener (the gateway's next hop, 127.0.0.1:10026 by
  default): it must not filter (that would send the gateway's output back to it, a loop) and
  must listen on loopback only;
- its ``message_size_limit`` leaves room for the gateway's headers and an S/MIME copy (base64
  grows a message by about 37%): 0 (none) or at least 1.4 x main.cf's;
- the transport a ``content_filter`` names exists in master.cf, and (given the gateway's
  settings) its destination is the gateway's ``listen`` and the gateway takes messages as
  large as ``message_size_limit``;
- a listener the district names as inbound only (``--inbound``) may go unfiltered, but must
  relay for nobody: ``reject_unauth_destination`` and no ``permit_mynetworks`` or
  ``permit_sasl_authenticated`` in its relay restrictions.
"""

from __future__ import annotations

import ipaddress
import subprocess
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

RECEIVING_COMMANDS = frozenset({"smtpd", "qmqpd", "pickup"})
DEFAULT_REINJECT = "127.0.0.1:10026"
SMIME_GROWTH = 1.4  # base64 (4/3) plus line breaks and the MIME wrapping, rounded up


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    type: str
    command: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}/{self.type}"

    @property
    def on_loopback(self) -> bool:
        host, _, _port = self.name.rpartition(":")
        host = host.strip("[]")
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False  # "smtp", "0.0.0.0:25", a host name: every interface in inet_interfaces


@dataclass(frozen=True, slots=True)
class Expected:
    """What the Postfix configuration must agree with. ``reinject``: the gateway's next hop
    (``host:port``), the one listener that must not filter; ``inbound``: listeners that take
    only inbound mail, unfiltered on purpose, as long as they relay for nobody. From the
    gateway's settings, when given: ``gateway`` (its ``host:port``, where every
    content_filter must point) and ``max_message_bytes`` (at least Postfix's limit)."""

    reinject: str = DEFAULT_REINJECT
    inbound: Collection[str] = ()
    gateway: str | None = None
    max_message_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    service: str
    text: str

    def __str__(self) -> str:
        return f"{self.service}: {self.text}"


def _options(words: list[str]) -> dict[str, str]:
    """``-o name=value`` and ``-o { name = value with spaces }`` from an entry's arguments."""
    options: dict[str, str] = {}
    index = 0
    while index < len(words):
        if words[index] == "-o" and index + 1 < len(words):
            index += 1
            if words[index] == "{":
                end = words.index("}", index) if "}" in words[index:] else len(words)
                text = " ".join(words[index + 1 : end])
                index = end
            else:
                text = words[index]
            name, _, value = text.partition("=")
            options[name.strip()] = value.strip()
        index += 1
    return options


def parse_master(text: str) -> list[Service]:
    """``postconf -M`` output (one line per entry) as services."""
    services = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 8 or line.startswith((" ", "\t", "#")):
            continue
        services.append(Service(words[0], words[1], words[7], _options(words[8:])))
    return services


def _limit(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def findings(
    services: list[Service], main: dict[str, str], expected: Expected = Expected()
) -> list[Finding]:
    """Every way around the gateway, and every disagreement with it."""
    reinject, inbound = expected.reinject, expected.inbound
    found = [
        Finding(
            key,
            f"{count} entries: Postfix uses one and ignores the others; edit the existing "
            "entry with postconf -P instead of adding one",
        )
        for key, count in Counter(service.key for service in services).items()
        if count > 1
    ]
    transports = {service.name for service in services if service.type == "unix"}
    main_limit = _limit(main.get("message_size_limit", "")) or 0
    if expected.max_message_bytes is not None and (
        main_limit == 0 or expected.max_message_bytes < main_limit
    ):
        found.append(
            Finding(
                "main.cf",
                f"message_size_limit {main_limit or 'unlimited'} is more than the gateway's "
                f"max_message_bytes {expected.max_message_bytes}: Postfix would accept mail "
                "the gateway refuses (552), and bounce it",
            )
        )
    if not any(service.key == f"{reinject}/inet" for service in services):
        found.append(
            Finding(
                f"{reinject}/inet",
                "no re-injection listener: the gateway's deliveries have nowhere to go",
            )
        )
    for service in services:
        if service.command not in RECEIVING_COMMANDS:
            continue
        own = service.options.get("content_filter")
        effective = main.get("content_filter", "") if own is None else own
        if service.key == f"{reinject}/inet":
            found.extend(_reinjection(service, services, effective, main_limit, main))
        elif service.type == "inet" and service.name in inbound:
            found.extend(_inbound(service, main))
        elif not effective:
            found.append(
                Finding(service.key, "no content_filter: mail it takes in goes around the gateway")
            )
        elif expected.gateway and not _points_at(effective, expected.gateway):
            found.append(
                Finding(
                    service.key,
                    f"content_filter {effective} does not name the gateway "
                    f"({expected.gateway}): mail waits in the queue",
                )
            )
        elif (transport := effective.partition(":")[0]) not in transports:
            found.append(
                Finding(
                    service.key,
                    f"content_filter names transport "
                    f"{transport!r}, which master.cf does not define",
                )
            )
    return found


def _points_at(content_filter: str, gateway: str) -> bool:
    """``scan:[127.0.0.1]:10025`` against ``127.0.0.1:10025``."""
    destination = content_filter.partition(":")[2]
    host, _, port = destination.rpartition(":")
    want_host, _, want_port = gateway.rpartition(":")
    return host.strip("[]") == want_host.strip("[]") and port == want_port


def _inbound(service: Service, main: dict[str, str]) -> list[Finding]:
    restrictions = service.options.get("smtpd_relay_restrictions")
    if restrictions is None:
        restrictions = main.get("smtpd_relay_restrictions", "")
    relays_for = [
        word for word in ("permit_mynetworks", "permit_sasl_authenticated") if word in restrictions
    ]
    if relays_for or "reject_unauth_destination" not in restrictions:
        return [
            Finding(
                service.key,
                "an unfiltered inbound listener that relays "
                f"({', '.join(relays_for) or 'no reject_unauth_destination'}): outbound mail can "
                "go around the gateway through it; set -o "
                "smtpd_relay_restrictions=reject_unauth_destination",
            )
        ]
    return []


def _too_small(service: Service, main_limit: int, main: dict[str, str]) -> Finding | None:
    own_limit = service.options.get("message_size_limit")
    limit = _limit(main.get("message_size_limit", "") if own_limit is None else own_limit)
    if main_limit and limit not in (None, 0) and limit < main_limit * SMIME_GROWTH:
        return Finding(
            service.key,
            f"message_size_limit {limit} on the re-injection path: an "
            f"S/MIME copy of a message at main.cf's {main_limit} is about 37% larger; set it "
            f"to 0 or at least {int(main_limit * SMIME_GROWTH)}",
        )
    return None


def _reinjection(
    service: Service,
    services: list[Service],
    content_filter: str,
    main_limit: int,
    main: dict[str, str],
) -> list[Finding]:
    found = []
    if content_filter:
        found.append(
            Finding(
                service.key,
                f"the re-injection listener filters again "
                f"({content_filter}): the gateway's output goes back to it, a loop; set "
                "-o content_filter= on it",
            )
        )
    if not service.on_loopback:
        found.append(
            Finding(
                service.key,
                "the re-injection listener is not on loopback: "
                "other hosts can send around the gateway",
            )
        )
    # smtpd checks the size, and so does the cleanup service that writes the queue file.
    cleanup = service.options.get("cleanup_service_name", "cleanup")
    cleanups = [item for item in services if item.key == f"{cleanup}/unix"]
    found += [
        finding
        for item in (service, *cleanups)
        if (finding := _too_small(item, main_limit, main)) is not None
    ]
    restrictions = service.options.get("smtpd_relay_restrictions")
    if restrictions is None:
        restrictions = main.get("smtpd_relay_restrictions", "")
    if "permit_mynetworks" in restrictions and "mynetworks" not in service.options:
        found.append(
            Finding(
                service.key,
                "the re-injection listener relays for main.cf's "
                "mynetworks; limit it with -o mynetworks=127.0.0.0/8",
            )
        )
    return found


def check_instance(config_dir: Path, expected: Expected = Expected()) -> list[Finding]:
    """The findings for the Postfix instance whose main.cf and master.cf are in
    ``config_dir``, read through its own ``postconf``."""
    master = _postconf(config_dir, "-M")
    values = _postconf(
        config_dir, "-hx", "content_filter", "message_size_limit", "smtpd_relay_restrictions"
    ).splitlines()
    main = dict(
        zip(
            ("content_filter", "message_size_limit", "smtpd_relay_restrictions"),
            values,
            strict=False,
        )
    )
    return findings(parse_master(master), main, expected)


def _postconf(config_dir: Path, *args: str) -> str:
    result = subprocess.run(
        ["postconf", "-c", str(config_dir), *args], capture_output=True, text=True, timeout=30
    )
    if result.returncode != 0:
        raise OSError(f"postconf -c {config_dir} {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout
