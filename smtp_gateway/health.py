"""A small HTTP endpoint on its own port: ``GET /metrics`` (Prometheus) and ``GET /healthz``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

from smtp_gateway.metrics import Metrics

Status = Callable[[], tuple[bool, dict[str, object]]]


class HealthServer:
    def __init__(self, metrics: Metrics, status: Status) -> None:
        self.metrics = metrics
        self.status = status
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(self._serve, host, port)
        bound: int = self.server.sockets[0].getsockname()[1]
        return bound

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 10)
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) > 1 else ""
            if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
                code, kind, body = "405 Method Not Allowed", "text/plain", b"GET only\n"
            elif path == "/metrics":
                code, kind = "200 OK", "text/plain; version=0.0.4; charset=utf-8"
                body = self.metrics.exposition()
            elif path in ("/healthz", "/health"):
                healthy, details = self.status()
                code = "200 OK" if healthy else "503 Service Unavailable"
                kind, body = "application/json", json.dumps(details).encode() + b"\n"
            else:
                code, kind, body = "404 Not Found", "text/plain", b"not found\n"
            head = (
                f"HTTP/1.1 {code}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            writer.write(head + (body if parts and parts[0] != "HEAD" else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
