"""A webhook receiver on loopback: a real HTTP server recording each POST; its answers can be
scripted (a 500 first, then 200)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.gateway.sink import free_port


@dataclass
class Posted:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    posts: list[Posted] = field(default_factory=list)
    status: Callable[[int], int] = lambda number: 200  # the n-th request (0-based) -> status
    lock: threading.Lock = field(default_factory=threading.Lock)


class Hook:
    """``with Hook() as hook:`` a webhook at ``hook.url``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.receiver = Receiver()
        receiver = self.receiver

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    number = len(receiver.posts)
                    receiver.posts.append(
                        Posted({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                code = receiver.status(number)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dlp-alerts"

    @property
    def posts(self) -> list[Posted]:
        with self.receiver.lock:
            return list(self.receiver.posts)

    def __enter__(self) -> Hook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
