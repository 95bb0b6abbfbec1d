"""Load on the SMTP gateway: messages/s and added latency against a pass-through relay.

    .venv/bin/python benchmarks/gateway_load.py [--seconds 8] [--clients 8] [--quick]
        [--only KIND ...] [--base TREE]

``--only xlsx-1mb`` measures that kind alone (the scanned PDFs are then not even rendered).

Everything runs on loopback, each server in its own process:

- a sink (the next hop) that accepts everything, with the gateway's fast DATA reader;
- the gateway (`dlp gateway`, scanning processes one per core, the sample policy);
- a pass-through relay: stock aiosmtpd that forwards each message to the sink with smtplib,
  without scanning: the baseline the gateway's added latency is measured against.

With ``--roster-students N`` the gateway scans and decides with a synthetic roster of N
students with guardians (`roster_match.make_roster`); with ``--base TREE`` a second gateway
runs the code of TREE (another checkout, say main) on the same settings and roster, measured
alternately with this one, and each figure gets its ratio to the base.

For each kind of message (5 KB and 50 KB plain text, 1 MB docx and xlsx attachments, a 1-page
scanned PDF form read by OCR and held, a realistic mix with PII that the policy holds) it measures:

- throughput: ``--clients`` smtplib clients in threads, one connection each, sending as fast
  as the replies come, for ``--seconds``;
- CPU seconds per message in the gateway's processes, and the rate that allows on idle cores
  (on a shared machine the wall clock mostly measures the neighbours);
- latency at half the issue's target rate (open loop, a message every 1/rate s): p50 and p99
  of the time from MAIL to the reply to DATA, through the gateway and through the
  pass-through relay, and their difference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGETS = {"plain-5k": 300.0, "plain-50k": 100.0, "docx-1mb": 12.0, "xlsx-1mb": 12.0}
# A one-page scanned form (OCR in the scanning processes): 2 messages/s on two cores.
TARGETS["scan-pdf-1p"] = 2.0
WORDS = [
    "the",
    "meeting",
    "agenda",
    "budget",
    "field",
    "trip",
    "schedule",
    "bus",
    "library",
    "volunteers",
    "parents",
    "science",
    "fair",
    "rubric",
    "homework",
    "reading",
    "math",
    "assembly",
    "cafeteria",
    "permission",
    "slip",
    "chaperone",
    "gym",
    "report",
    "newsletter",
    "calendar",
    "conference",
    "district",
    "board",
    "policy",
    "update",
]


# --- servers (run as separate processes) ----------------------------------------------------


def serve_sink(port: int) -> None:
    from aiosmtpd.smtp import Envelope, Session

    from smtp_gateway.protocol import GatewaySMTP

    class Handler:
        def busy_reply(self) -> None:
            return None

        async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
            return "250 2.0.0 Ok"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: GatewaySMTP(
                Handler(), hostname="sink", data_size_limit=64 << 20, max_line_length=100_000
            ),
            "127.0.0.1",
            port,
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def serve_passthrough(port: int, next_hop: int) -> None:
    from aiosmtpd.smtp import SMTP, Envelope, Session

    executor = ThreadPoolExecutor(32)

    def forward(raw: bytes, sender: str, recipients: list[str]) -> None:
        with smtplib.SMTP("127.0.0.1", next_hop, local_hostname="relay") as client:
            client.sendmail(sender, recipients, raw)

    class Handler:
        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            await asyncio.get_running_loop().run_in_executor(
                executor,
                forward,
                envelope.original_content or b"",
                envelope.mail_from or "",
                envelope.rcpt_tos,
            )
            return "250 2.0.0 Ok"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Handler(), hostname="relay", data_size_limit=64 << 20),
            "127.0.0.1",
            port,
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- messages -------------------------------------------------------------------------------


def _text(size: int, rng: random.Random) -> str:
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(WORDS) for _ in range(11)).capitalize() + "."
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines)


def _message(subject: str, body: str, rng: random.Random) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "teacher@cusd.com"
    message["To"] = "someone@example.org"
    message["Subject"] = subject
    message["Message-ID"] = f"<{rng.getrandbits(64):x}@cusd.com>"
    message.set_content(body)
    return message


def _png(width: int, height: int) -> bytes:
    """A photo-like image that does not compress: random pixels, as a valid PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def _docx(size: int, rng: random.Random) -> bytes:
    """A few pages of minutes and a photo: where a real 1 MB Word file's bytes usually are."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_heading("PTA meeting minutes", 1)
    for _ in range(60):
        document.add_paragraph(" ".join(rng.choice(WORDS) for _ in range(40)) + ".")
    side = int(((size - 40_000) / 3) ** 0.5)
    document.add_picture(io.BytesIO(_png(side, side)), width=Inches(5))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(size: int, rng: random.Random) -> bytes:
    """A data export: rows of names, numbers and codes until the file is ``size`` bytes, the
    worst case for a 1 MB attachment (about 100,000 cells, each one extracted and scanned)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Item", "Quantity", "Unit price", "Code", "Note"])
    while True:
        for _ in range(2000):
            sheet.append(
                [
                    rng.choice(WORDS),
                    rng.randint(1, 500),
                    round(rng.random() * 100, 2),
                    os.urandom(8).hex(),
                    " ".join(rng.choice(WORDS) for _ in range(4)),
                ]
            )
        buffer = io.BytesIO()
        book.save(buffer)
        if buffer.tell() >= size:
            return buffer.getvalue()


def build_messages(
    seed: int = 7, only: Collection[str] = ()
) -> dict[str, list[tuple[bytes, list[str]]]]:
    """Every kind of message; with ``only``, the scanned PDFs (their rendering is most of the
    time this takes) only when asked for, directly or through the mix that follows them."""
    rng = random.Random(seed)
    out: dict[str, list[tuple[bytes, list[str]]]] = {}
    out["plain-5k"] = [
        (_message(f"note {i}", _text(5_000, rng), rng).as_bytes(), ["friend@example.org"])
        for i in range(20)
    ]
    out["plain-50k"] = [
        (_message(f"report {i}", _text(50_000, rng), rng).as_bytes(), ["friend@example.org"])
        for i in range(10)
    ]
    docx_bytes = _docx(1_000_000, rng)
    xlsx_bytes = _xlsx(1_000_000, rng)
    for kind, data, maintype, subtype, name in (
        (
            "docx-1mb",
            docx_bytes,
            "application",
            "vnd.openxmlformats-officedocument.wordprocessingml.document",
            "minutes.docx",
        ),
        (
            "xlsx-1mb",
            xlsx_bytes,
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "inventory.xlsx",
        ),
    ):
        message = _message(f"attached {name}", "Please see the attached file.", rng)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        out[kind] = [(message.as_bytes(), ["colleague@example.org"])]
    if not only or {"scan-pdf-1p", "mix"} & set(only):
        out["scan-pdf-1p"] = scanned_pdf_messages(rng)
    pii = _message(
        "Student follow-up",
        "Student ID: 20231234, DOB 04/12/2011, SSN 536-22-1234. IEP accommodations: "
        "extended time, 504 plan, medication at noon.\r\n" + _text(3_000, rng),
        rng,
    ).as_bytes()
    out["mix"] = (
        [(raw, rcpt) for raw, rcpt in out["plain-5k"][:6]]
        + [(raw, rcpt) for raw, rcpt in out["plain-50k"][:3]]
        + [(pii, ["parent@gmail.com"]), (pii, ["counselor@cusd.com"])]
        + [out["docx-1mb"][0]]
    )
    return out


def scanned_pdf_messages(rng: random.Random) -> list[tuple[bytes, list[str]]]:
    """A 1-page scanned IEP form (an image-only PDF rendered with Pillow at 200 DPI, the planted
    SSN, student ID and IEP terms of ``tests/extract/scans.py``) to a personal address: read by
    OCR, held by the sample policy. Four renderings, so the repeated-image cache does not
    answer for OCR."""
    from tests.extract.scans import IEP_EN, form, scanned_pdf

    out = []
    for i in range(4):
        page = form(IEP_EN, dpi=200, title=f"IEP annual review {i + 1}")
        message = _message("Signed IEP", "The signed copy is attached.", rng)
        message.add_attachment(
            scanned_pdf([page]), maintype="application", subtype="pdf", filename="iep.pdf"
        )
        out.append((message.as_bytes(), ["parent@gmail.com"]))
    return out


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a process and all its descendants (the gateway and its
    scanning processes), from /proc: on a shared machine, CPU per message says what the
    gateway costs when the wall clock says mostly what the neighbours cost."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, of in parents.items():
            if of == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(member, 0.0) for member in tree)


def print_capacity(
    cpu_per_message: dict[str, float], base_cpu: dict[str, float] | None = None
) -> None:
    """CPU seconds per message in the gateway's processes, and the rate that makes on this
    machine's cores when nothing else runs (the figure to hold against a target); with a
    base, its CPU per message too, measured in the same run (the A/B figure on a loaded
    machine, where the wall clock mostly measures the neighbours)."""
    cores = os.cpu_count() or 1
    print(f"\ngateway CPU per message (its processes); the rate that allows on {cores} idle cores")
    for kind, cpu in cpu_per_message.items():
        rate = cores / cpu if cpu > 0 else float("inf")
        extra = ""
        if base_cpu and base_cpu.get(kind):
            # The speed-up is the rate's ratio, the one a target names ("1.7 times the rate").
            extra = (
                f"   base {base_cpu[kind] * 1000:>7.2f} ms CPU  ratio {cpu / base_cpu[kind]:.2f}"
                f"  speed-up {base_cpu[kind] / cpu:.2f}x"
            )
        print(f"{kind:<10} {cpu * 1000:>9.2f} ms CPU  {rate:>9.1f} msg/s{extra}")


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# --- load -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(port: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                client.noop()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


def throughput(
    port: int, messages: list[tuple[bytes, list[str]]], clients: int, seconds: float
) -> tuple[float, dict[int, int]]:
    stop = time.monotonic() + seconds
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def client(index: int) -> int:
        sent = 0
        connection = smtplib.SMTP("127.0.0.1", port, local_hostname="bench", timeout=120)
        try:
            while time.monotonic() < stop:
                raw, recipients = messages[(index + sent) % len(messages)]
                try:
                    connection.sendmail("teacher@cusd.com", recipients, raw)
                    code = 250
                except smtplib.SMTPDataError as error:
                    code = error.smtp_code
                except smtplib.SMTPSenderRefused as error:
                    code = error.smtp_code
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                sent += 1
        finally:
            connection.quit()
        return sent

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(client, range(clients)))
    return total / (time.monotonic() - started), codes


def latency(
    port: int,
    messages: list[tuple[bytes, list[str]]],
    rate: float,
    seconds: float,
    codes: dict[int, int] | None = None,
) -> list[float]:
    """Open loop: a new message every 1/rate s on a free connection, whatever the replies."""
    count = max(10, int(rate * seconds))
    connections: list[smtplib.SMTP] = []
    free: list[smtplib.SMTP] = []
    lock = threading.Lock()
    timings: list[float] = []

    def one(index: int) -> None:
        with lock:
            connection = free.pop() if free else None
        if connection is None:
            connection = smtplib.SMTP("127.0.0.1", port, local_hostname="bench", timeout=120)
            connection.ehlo()
            with lock:
                connections.append(connection)
        raw, recipients = messages[index % len(messages)]
        started = time.monotonic()
        code = 250
        try:
            connection.sendmail("teacher@cusd.com", recipients, raw)
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            connection.rset()
        elapsed = time.monotonic() - started
        with lock:
            timings.append(elapsed)
            if codes is not None:
                codes[code] = codes.get(code, 0) + 1
            free.append(connection)

    with ThreadPoolExecutor(64) as pool:
        start = time.monotonic()
        for index in range(count):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, index)
    for connection in connections:
        connection.quit()
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start(
    arguments: list[str], log: Path, tree: Path = REPO, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, *arguments], stdout=sink, stderr=sink, cwd=cwd or tree, env=env
        )


@contextlib.contextmanager
def profiling(py_spy: Path | None, pid: int, output: Path) -> Iterator[None]:
    """With ``py_spy``, its sampling of ``pid`` and its children while the block runs: only
    the thread holding the GIL, so a sample is Python at work rather than a thread waiting
    on a socket (`--gil`); raw stacks, one line per stack, to sum per function."""
    if py_spy is None:
        yield
        return
    command = [str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--gil"]
    command += ["--nonblocking", "--rate", "500", "--format", "raw", "-o", str(output)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)  # attached before the load starts
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        recorder.wait(60)
    print(f"profile: {output}", flush=True)


# Run with ``python -c`` in the tree that is to read the roster (each tree its own format):
# this file puts its own tree first on sys.path, which is the wrong one for the base.
MAKE_ROSTER = (
    "import random, sys; from pathlib import Path; "
    "from benchmarks.roster_match import load_names, make_roster; "
    "from dlp.roster.store import RosterStore; "
    "rng = random.Random(19); firsts, lasts = load_names(rng); "
    "people, _ = make_roster(rng, int(sys.argv[2]), firsts, lasts); "
    "RosterStore.open(Path(sys.argv[1]), sys.argv[3].encode()).import_people(people, 'bench')"
)


def gateway_config(
    work: Path, port: int, sink_port: int, roster: Path | None, tree: Path = REPO
) -> Path:
    """The settings of a gateway running ``tree``'s code (with that tree's sample policy)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "secret.key").write_bytes(BENCH_SECRET)
    config = work / "gateway.toml"
    roster_line = f'roster = "{roster}"\n' if roster else ""
    config.write_text(
        f"""
[policy]
file = "{tree / "samples" / "policy.toml"}"
[detection]
secret_file = "{work / "secret.key"}"
{roster_line}[quarantine]
url = "sqlite:///{work / "quarantine.db"}"
key_file = "{work / "quarantine.key"}"
folder = "{work / "held"}"
[audit]
file = "{work / "audit.log"}"
[gateway]
listen = "127.0.0.1:{port}"
metrics_listen = ""
notify_sender = false
[delivery]
next_hop = "127.0.0.1:{sink_port}"
tls = "none"
[logging]
level = "warning"
"""
    )
    return config


BENCH_SECRET = b"benchmark-secret-0123456789abcdef"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2-second runs, for a smoke test")
    parser.add_argument(
        "--only", action="append", choices=[*TARGETS, "mix"], help="one kind (repeatable)"
    )
    parser.add_argument("--serve-sink", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-passthrough", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--roster-students", type=int, default=0, help="load a roster of N")
    parser.add_argument("--base", type=Path, help="another checkout to compare with (main)")
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="a py-spy executable: sample the gateway's processes during each kind's first "
        "throughput run (raw stacks, GIL holder only, in the work folder's profile-KIND.txt)",
    )
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink(args.serve_sink)
        return 0
    if args.serve_passthrough:
        serve_passthrough(*args.serve_passthrough)
        return 0
    seconds = 2.0 if args.quick else args.seconds

    print("building messages ...", flush=True)
    messages = {
        kind: [(crlf(raw), rcpt) for raw, rcpt in items]
        for kind, items in build_messages(only=args.only or ()).items()
    }
    if args.only:
        messages = {kind: items for kind, items in messages.items() if kind in args.only}
    sizes = {
        kind: statistics.mean(len(raw) for raw, _ in items) for kind, items in messages.items()
    }

    work = Path(tempfile.mkdtemp(prefix="dlp-gateway-bench-"))
    log = work / "servers.log"
    sink_port, relay_port, gateway_port = free_port(), free_port(), free_port()
    trees = {"gateway": REPO}
    if args.base:
        trees["base"] = args.base.resolve()
    ports = {"gateway": gateway_port, "base": free_port()}
    script = str(Path(__file__).resolve())
    processes = [
        start([script, "--serve-sink", str(sink_port)], log),
        start([script, "--serve-passthrough", str(relay_port), str(sink_port)], log),
    ]
    try:
        for name, tree in trees.items():
            roster = None
            if args.roster_students:
                roster = work / name / "roster.npz"
                (work / name).mkdir(parents=True, exist_ok=True)
                print(f"importing a {args.roster_students}-student roster ({name}) ...", flush=True)
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        MAKE_ROSTER,
                        str(roster),
                        str(args.roster_students),
                        BENCH_SECRET.decode(),
                    ],
                    env={**os.environ, "PYTHONPATH": str(tree)},
                    cwd=tree,
                    check=True,
                )
            config = gateway_config(work / name, ports[name], sink_port, roster, tree)
            processes.append(
                start(["-m", "dlp", "gateway", "--config", str(config)], log, tree, work / name)
            )
        for port in (sink_port, relay_port, *(ports[name] for name in trees)):
            wait_for(port)
        print(f"cores: {os.cpu_count()}; clients: {args.clients}; {seconds:g} s per run\n")
        print(
            f"{'messages':<10} {'size':>9} {'relay msg/s':>12} {'gateway msg/s':>14} "
            f"{'target':>7}  replies" + ("   base msg/s  ratio" if args.base else "")
        )
        cpu_per_message: dict[str, float] = {}
        base_cpu: dict[str, float] = {}
        for kind, items in messages.items():
            for name in trees:
                throughput(ports[name], items, 2, 0.5)  # warm
            relay_rate, _ = throughput(relay_port, items, args.clients, seconds)
            cpu_before = tree_cpu_seconds(processes[2].pid)
            with profiling(args.py_spy, processes[2].pid, work / f"profile-{kind}.txt"):
                rate, codes = throughput(gateway_port, items, args.clients, seconds)
            cpu_per_message[kind] = (tree_cpu_seconds(processes[2].pid) - cpu_before) / max(
                1, sum(codes.values())
            )
            extra = ""
            if args.base:
                cpu_before = tree_cpu_seconds(processes[3].pid)
                base_rate, base_codes = throughput(ports["base"], items, args.clients, seconds)
                base_cpu[kind] = (tree_cpu_seconds(processes[3].pid) - cpu_before) / max(
                    1, sum(base_codes.values())
                )
                again, _ = throughput(gateway_port, items, args.clients, seconds)
                rate = (rate + again) / 2  # before and after the base's run
                extra = f"   {base_rate:>10.1f}  {rate / base_rate:>5.2f}"
            target = TARGETS.get(kind)
            print(
                f"{kind:<10} {sizes[kind] / 1024:>7.0f}KB {relay_rate:>12.1f} {rate:>14.1f} "
                f"{target if target else '-':>7}  {codes}{extra}",
                flush=True,
            )
        print_capacity(cpu_per_message, base_cpu)
        print("\nadded latency at half the target rate (p50 / p99, ms)")
        print(
            f"{'messages':<10} {'rate/s':>7} {'relay p50':>10} {'p99':>7} "
            f"{'gateway p50':>12} {'p99':>7} {'added p50':>10} {'p99':>7}  gateway replies"
        )
        for kind, target in TARGETS.items():
            if kind not in messages:
                continue
            rate = target / 2
            base = latency(relay_port, messages[kind], rate, seconds)
            replies: dict[int, int] = {}
            ours = latency(gateway_port, messages[kind], rate, seconds, replies)
            b50, b99 = percentile(base, 0.5) * 1000, percentile(base, 0.99) * 1000
            g50, g99 = percentile(ours, 0.5) * 1000, percentile(ours, 0.99) * 1000
            extra = ""
            if args.base:
                other = latency(ports["base"], messages[kind], rate, seconds)
                o50 = percentile(other, 0.5) * 1000
                extra = f"   base p50 {o50:.1f} ratio {g50 / o50:.2f}"
            print(
                f"{kind:<10} {rate:>7.1f} {b50:>10.1f} {b99:>7.1f} {g50:>12.1f} {g99:>7.1f} "
                f"{g50 - b50:>10.1f} {g99 - b99:>7.1f}  {replies}{extra}",
                flush=True,
            )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"\nserver logs: {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
