"""A message with a very large number of findings through the gateway, and a client meanwhile.

    .venv/bin/python benchmarks/many_findings.py [--findings 1000000] [--scan-timeout 30]

Runs a sink (the next hop) and the gateway (`dlp gateway`, the sample policy) each in its own
process on loopback, then sends one message of ``--findings`` lines, each with one phone number
("Call 415-555-0123 today."). While the gateway works on it, a second connection sends EHLO
every 20 ms. It prints:

- the reply to the big message and the time from its DATA command to that reply, against the
  gateway's ``scan_timeout``;
- the second connection's EHLO round-trip times meanwhile (count, median, 99th percentile and
  the longest): how long the event loop kept other clients waiting.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gateway_load import REPO, free_port, percentile, start, wait_for


def message(findings: int) -> bytes:
    body = "\r\n".join(f"Call 415-555-{n % 10000:04d} today." for n in range(findings))
    return (
        "From: teacher@cusd.com\r\nTo: parent@gmail.com\r\nSubject: numbers\r\n"
        f"Message-ID: <many-findings@cusd.com>\r\n\r\n{body}\r\n"
    ).encode()


def ehlo_while(port: int, busy: threading.Event) -> list[tuple[float, float]]:
    """(when sent, round trip) of EHLOs on one connection, every 20 ms, until ``busy`` clears."""
    times: list[tuple[float, float]] = []
    with smtplib.SMTP("127.0.0.1", port, local_hostname="other", timeout=300) as client:
        while busy.is_set():
            started = time.monotonic()
            code, _ = client.ehlo()
            times.append((started, time.monotonic() - started))
            assert code == 250, code
            time.sleep(0.02)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--scan-timeout", type=float, default=30.0)
    args = parser.parse_args()

    raw = message(args.findings)
    work = Path(tempfile.mkdtemp(prefix="dlp-many-findings-"))
    log = work / "servers.log"
    sink_port, gateway_port = free_port(), free_port()
    config = work / "gateway.toml"
    config.write_text(
        f"""
[policy]
file = "{REPO / "samples" / "policy.toml"}"
[detection]
secret_file = "secret.key"
[quarantine]
url = "sqlite:///quarantine.db"
key_file = "quarantine.key"
folder = "held"
[audit]
file = "audit.log"
[gateway]
listen = "127.0.0.1:{gateway_port}"
metrics_listen = ""
notify_sender = false
scan_timeout = {args.scan_timeout}
[delivery]
next_hop = "127.0.0.1:{sink_port}"
tls = "none"
[logging]
level = "warning"
"""
    )
    gateway_load = str(REPO / "benchmarks" / "gateway_load.py")
    processes = [
        start([gateway_load, "--serve-sink", str(sink_port)], log),
        start(["-m", "dlp", "gateway", "--config", str(config)], log),
    ]
    try:
        for port in (sink_port, gateway_port):
            wait_for(port)
        busy = threading.Event()
        busy.set()
        rounds: list[tuple[float, float]] = []
        other = threading.Thread(
            target=lambda: rounds.extend(ehlo_while(gateway_port, busy)), daemon=True
        )
        with smtplib.SMTP("127.0.0.1", gateway_port, local_hostname="big", timeout=600) as big:
            big.ehlo()
            big.mail("teacher@cusd.com")
            big.rcpt("parent@gmail.com")
            other.start()
            started = time.monotonic()
            try:
                code, reply = big.data(raw)
            except smtplib.SMTPResponseException as error:
                code, reply = error.smtp_code, error.smtp_error
            elapsed = time.monotonic() - started
        busy.clear()
        other.join(60)
        print(f"message: {len(raw) / 1e6:.1f} MB, {args.findings} phone numbers")
        print(f"reply: {code} {reply.decode(errors='replace')}")
        print(f"DATA to reply: {elapsed:.1f} s (scan_timeout {args.scan_timeout:g} s)")
        if rounds:
            trips = [trip for _, trip in rounds]
            when, longest = max(rounds, key=lambda item: item[1])
            print(
                f"other client's EHLO meanwhile: {len(trips)} round trips, median "
                f"{statistics.median(trips) * 1000:.1f} ms, p99 "
                f"{percentile(trips, 0.99) * 1000:.1f} ms, longest {longest * 1000:.1f} ms "
                f"(sent {when - started:.1f} s after DATA)"
            )
        print(f"server logs: {log}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
