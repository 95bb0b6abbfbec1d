"""Syslog (RFC 5424) to a SIEM over UDP, TCP or TLS, from a thread of its own.

A message is ``<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG``. Over UDP each is one datagram
(RFC 5426); over TCP and TLS (RFC 5425) each is framed by its length in octets
(``LEN SP MSG``, RFC 6587's octet counting), so an event may hold any character.

`Shipper.offer` never blocks the caller (the relay): events wait in a bounded queue for the
shipper's thread, which sends them in order and, while the SIEM is away, tries again with a
growing pause; what the queue cannot hold is dropped and counted (`Shipper.dropped`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from dlp.siem.settings import SiemSettings

log = logging.getLogger("dlp.siem")

# RFC 5424 severities
WARNING, NOTICE, INFO = 4, 5, 6


def message(
    text: str,
    *,
    facility: int,
    severity: int,
    app_name: str,
    msgid: str,
    now: float,
    hostname: str | None = None,
) -> bytes:
    stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    stamp = stamp.replace("+00:00", "Z")
    host = (hostname or socket.gethostname() or "-")[:255]
    head = f"<{facility * 8 + severity}>1 {stamp} {host} {app_name} {os.getpid()} {msgid} - "
    return head.encode("ascii", "replace") + text.encode("utf-8")


class SyslogClient:
    """One connection (or socket, for UDP) to the SIEM; reopened after a failure."""

    def __init__(self, settings: SiemSettings) -> None:
        self.settings = settings
        self.sock: socket.socket | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(
            cafile=str(self.settings.ca_file) if self.settings.ca_file else None
        )
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def _open(self) -> socket.socket:
        settings = self.settings
        if settings.transport == "udp":
            family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.connect((settings.host, settings.port))
            return sock
        sock = socket.create_connection((settings.host, settings.port), settings.timeout)
        if settings.transport == "tls":
            try:
                return self._context().wrap_socket(
                    sock, server_hostname=settings.server_name or settings.host
                )
            except BaseException:
                sock.close()
                raise
        return sock

    def send(self, data: bytes) -> None:
        """Send one message; raises OSError (the connection is then closed)."""
        if self.sock is None:
            self.sock = self._open()
        try:
            if self.settings.transport == "udp":
                self.sock.send(data[:65000])
            else:
                self.sock.sendall(str(len(data)).encode() + b" " + data)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


class Shipper:
    def __init__(
        self,
        client: SyslogClient,
        queue_size: int,
        pause: Callable[[int], float] = lambda failures: min(30.0, 0.5 * 2 ** min(failures, 6)),
    ) -> None:
        self.client = client
        self.queue: queue.Queue[bytes | None] = queue.Queue(queue_size)
        self.pause = pause
        self.dropped = 0
        self.sent = 0
        self.failures = 0  # in a row
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="dlp-siem", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def offer(self, data: bytes) -> bool:
        """Queue one message; False (and counted) when the queue is full."""
        try:
            self.queue.put_nowait(data)
            return True
        except queue.Full:
            self.dropped += 1
            return False

    def depth(self) -> int:
        return self.queue.qsize()

    def _run(self) -> None:
        while True:
            data = self.queue.get()
            if data is None:
                return
            while True:
                try:
                    self.client.send(data)
                    self.sent += 1
                    self.failures = 0
                    break
                except OSError as error:
                    self.failures += 1
                    if self.failures == 1:
                        log.warning(
                            "siem-unreachable",
                            extra={
                                "fields": {
                                    "event": "siem-unreachable",
                                    "error": type(error).__name__,
                                }
                            },
                        )
                    if self.stopping.wait(self.pause(self.failures)):
                        return

    def close(self, timeout: float = 5.0) -> None:
        """Send what waits (up to ``timeout`` seconds), then stop."""
        deadline = time.monotonic() + timeout
        while self.queue.qsize() and time.monotonic() < deadline and self.failures == 0:
            time.sleep(0.05)
        self.stopping.set()
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(None)
        if self.thread.is_alive():
            self.thread.join(max(0.1, deadline - time.monotonic()))
        self.client.close()
