"""Running a real gateway on loopback from a test: its own event loop in a thread."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dlp.model import ScanResult
from dlp.policy import Decision
from dlp.settings import Settings, parse_settings
from smtp_gateway.holding import FolderHolder, Holder, open_holder
from smtp_gateway.server import Gateway, Overrides

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "samples" / "scenarios"


class RecordingHolder:
    """The real holder (the quarantine store when installed), remembering what it returned."""

    def __init__(self, inner: Holder) -> None:
        self.inner = inner
        self.held: list[tuple[str, tuple[str, ...]]] = []
        self.fail = False
        self.lock = threading.Lock()

    def hold(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
    ) -> str:
        if self.fail:
            raise OSError("quarantine unavailable (test)")
        held = self.inner.hold(raw, sender, recipients, decision, scan, message_id)
        with self.lock:
            self.held.append((held, tuple(recipients)))
        return held

    def recipients(self) -> list[str]:
        with self.lock:
            return [address for _, addresses in self.held for address in addresses]


def make_settings(
    tmp: Path,
    extra: str = "",
    next_hop_port: int | None = None,
    tables: str = "",
    policy: Path | None = None,
) -> Settings:
    hop = (
        f'next_hop = "127.0.0.1:{next_hop_port}"\ntls = "none"\ntimeout = 10\n'
        if next_hop_port
        else ""
    )
    values = {
        "listen": '"127.0.0.1:0"',
        "metrics_listen": '"127.0.0.1:0"',
        "workers": "1",
        "scan_timeout": "20",
        "drain_seconds": "10",
    }
    for line in extra.splitlines():
        key, _, value = line.partition("=")
        if value:
            values[key.strip()] = value.strip()
    gateway = "\n".join(f"{key} = {value}" for key, value in values.items())
    text = f"""
[policy]
file = "{policy or REPO / "samples" / "policy.toml"}"
[detection]
secret_file = "secret.key"
[quarantine]
url = "sqlite:///quarantine.db"
key_file = "quarantine.key"
folder = "held"
[audit]
file = "audit.log"
[gateway]
{gateway}
{tables}
[delivery]
folder = "delivered"
{hop}
"""
    return parse_settings(text, str(tmp / "gateway.toml"), tmp)


class RunningGateway:
    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        self.overrides = overrides
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.holder: RecordingHolder | None = None

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def __enter__(self) -> RunningGateway:
        self.thread.start()
        quarantine = self.settings.quarantine
        key_file = quarantine.key_file
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text("00" * 32)
        inner = open_holder(quarantine.url, key_file, quarantine.folder)
        self.holder = RecordingHolder(inner)
        overrides = Overrides(holder=self.holder, **self.overrides)

        async def build() -> Gateway:
            gateway = Gateway(self.settings, {}, overrides)
            await gateway.start()
            return gateway

        self.gateway: Gateway = self.run(build(), 120)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self.gateway.stop(), 60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    @property
    def port(self) -> int:
        return self.gateway.smtp_port

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.test", timeout=30)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> tuple[int, str]:
        """The reply to DATA (or to the first refused command), as (code, text)."""
        with self.client() as client:
            client.ehlo()
            code, reply = client.mail(sender)
            if code != 250:
                return code, reply.decode()
            for address in recipients:
                code, reply = client.rcpt(address)
                if code != 250:
                    return code, reply.decode()
            try:
                code, reply = client.data(raw)
            except smtplib.SMTPDataError as error:
                return error.smtp_code, error.smtp_error.decode()
            return code, reply.decode()


class RawSession:
    """An SMTP session on a plain socket, for bytes smtplib would not send as they are."""

    def __init__(self, port: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.stream = self.connection.makefile("rwb")

    def __enter__(self) -> RawSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
        self.connection.close()

    def reply(self) -> bytes:
        """One whole reply, every line of a multi-line one."""
        lines = []
        while True:
            line = self.stream.readline()
            lines.append(line)
            if line[3:4] != b"-":
                return b"".join(lines)

    def command(self, text: bytes) -> bytes:
        self.stream.write(text)
        self.stream.flush()
        return self.reply()


def held_folder(holder: RecordingHolder) -> FolderHolder | None:
    return holder.inner if isinstance(holder.inner, FolderHolder) else None


def scenario(name: str) -> bytes:
    text = (SCENARIOS / name).read_bytes()
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def plain(subject: str = "Lunch", body: str = "See you at noon.", **headers: str) -> bytes:
    lines = [
        "From: teacher@cusd.com",
        "To: someone@example.org",
        f"Subject: {subject}",
        f"Message-ID: <{abs(hash((subject, body)))}@cusd.com>",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()
