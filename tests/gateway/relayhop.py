"""A next hop like Exchange Online's inbound connector (a client certificate or nothing) or
Google's smtp-relay (a login over TLS): an aiosmtpd server on loopback."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.gateway.certs import TlsFiles
from tests.gateway.sink import SinkHandler, free_port

PASSWORD = "correct horse battery staple"


class Logins:
    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and data.password.decode() == PASSWORD:
            self.names.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def next_hop(
    server: TlsFiles, client_ca: Path | None, logins: Logins | None
) -> Iterator[tuple[int, SinkHandler]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server.cert, server.key)
    if client_ca is not None:  # Exchange Online's inbound connector: no certificate, no entry
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    handler = SinkHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        server_hostname="localhost",
        ready_timeout=10,
        authenticator=logins,
        auth_required=logins is not None,
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()
