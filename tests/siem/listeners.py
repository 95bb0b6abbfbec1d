"""Syslog listeners on loopback: UDP (a datagram per message), TCP and TLS (octet counting,
RFC 6587 / RFC 5425). Each records the messages it read, whole."""

from __future__ import annotations

import re
import socket
import ssl
import threading

from tests.gateway.sink import free_port

# <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG (RFC 5424)
RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    rb"(?P<msgid>\S+) (?P<sd>-|\[.*?\]) (?P<msg>.*)$",
    re.DOTALL,
)


class Listener:
    def __init__(self, transport: str, tls: ssl.SSLContext | None = None, port: int = 0) -> None:
        self.transport = transport
        self.tls = tls
        self.port = port or free_port()
        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        if transport != "udp":
            self.sock.listen(8)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()

    def received(self) -> list[bytes]:
        with self.lock:
            return list(self.messages)

    def _keep(self, data: bytes) -> None:
        with self.lock:
            self.messages.append(data)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                if self.transport == "udp":
                    data, _ = self.sock.recvfrom(70000)
                    self._keep(data)
                    continue
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            if self.tls is not None:
                connection.settimeout(5)
                connection = self.tls.wrap_socket(connection, server_side=True)
            connection.settimeout(0.2)
            buffer = b""
            while not self.stopping.is_set():
                try:
                    chunk = connection.recv(65536)
                except (TimeoutError, ssl.SSLWantReadError):
                    continue
                if not chunk:
                    return
                buffer += chunk
                while b" " in buffer:
                    length, _, rest = buffer.partition(b" ")
                    size = int(length)
                    if len(rest) < size:
                        break
                    self._keep(rest[:size])
                    buffer = rest[size:]
        except (OSError, ValueError):
            return
        finally:
            connection.close()
