"""``[siem]`` in the settings file:

```toml
[siem]
syslog = "tls://siem.cusd.com:6514"   # or udp://HOST:514, tcp://HOST:601
format = "cef"                         # or "json"
ca_file = "/etc/dlp/siem-ca.pem"       # TLS: the CA the server's certificate is checked with
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlp.tomlreader import Table

TRANSPORTS = ("udp", "tcp", "tls")
FORMATS = ("json", "cef")


@dataclass(frozen=True, slots=True)
class SiemSettings:
    transport: str | None = None  # None: no events
    host: str = ""
    port: int = 0
    format: str = "json"
    ca_file: Path | None = None  # None: the system's CAs
    server_name: str | None = None  # the name on the server's certificate; default: host
    facility: int = 13  # "log audit" (RFC 5424)
    app_name: str = "dlp-gateway"
    timeout: float = 10.0
    queue_size: int = 10_000  # events waiting for a slow or absent SIEM; past it, dropped

    @property
    def enabled(self) -> bool:
        return self.transport is not None


def read_siem(table: Table) -> SiemSettings:
    default = SiemSettings()
    target = table.optional_string("syslog", None)
    transport, host, port = None, "", 0
    if target is not None:
        scheme, separator, rest = target.partition("://")
        host, colon, number = rest.rpartition(":")
        host = host.strip("[]")
        if (
            not separator
            or scheme not in TRANSPORTS
            or not colon
            or not host
            or not number.isdigit()
            or not 0 < int(number) < 65536
        ):
            raise table.error(
                "syslog",
                f"must be udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT, not {target!r}",
            )
        transport, port = scheme, int(number)
    settings = SiemSettings(
        transport=transport,
        host=host,
        port=port,
        format=table.one_of("format", FORMATS, default.format),
        ca_file=table.path_value("ca_file", None),
        server_name=table.optional_string("server_name", None),
        facility=table.integer("facility", default.facility, minimum=0, maximum=23),
        app_name=table.string("app_name", default.app_name),
        timeout=table.number("timeout", default.timeout, exclusive_minimum=0.0, maximum=300.0),
        queue_size=table.integer("queue_size", default.queue_size, minimum=1, maximum=1_000_000),
    )
    name = settings.app_name
    if not 0 < len(name) <= 48 or not name.isascii() or not name.isprintable() or " " in name:
        raise table.error("app_name", "must be 1 to 48 printable ASCII characters, no space")
    table.done()
    return settings
