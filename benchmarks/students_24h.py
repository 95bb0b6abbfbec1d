"""What `sender.students_24h` costs per message in the quarantine database: reading the
sender's day of students (before the decision) and recording the decision with its students
(after), against a baseline measured in the same run: one notice put into the outbound queue,
the database write every held message already pays.

    PYTHONPATH=. python benchmarks/students_24h.py [--messages 400] [--postgres URL]

Prints milliseconds per message (median of rounds) and the ratio to the baseline, for SQLite
and, when reachable, PostgreSQL. The history holds a day of 200 teachers' messages.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from dlp.actions.mail import NoticeMail
from dlp.quarantine.decisions import DecisionBook, DecisionRow
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.store import open_engine


def _row(sender: int, now: float) -> DecisionRow:
    return DecisionRow(
        time=now,
        gateway_id="g",
        sender_digest=f"{sender:032x}",
        verdicts={"external": "deliver"},
        rules=(),
        categories=("IDENTIFIER",),
        clauses=(),
        domains=("gmail.com",),
        held_id="",
        findings=4,
    )


def measure(url: str, messages: int, rounds: int) -> tuple[float, float]:
    engine = open_engine(url)
    book, outbox = DecisionBook(engine), OutboxStore(engine)
    rng = random.Random(7)
    now = time.time()
    for n in range(2000):  # a day of history: 200 senders, 10 messages of 4 students each
        students = frozenset(f"v:{rng.getrandbits(64):016x}" for _ in range(4))
        book.record(_row(n % 200, now - rng.uniform(0, 86_000)), students)
    ours, base = [], []
    mail = NoticeMail("t@cusd.com", b"Subject: x\r\n\r\nx\r\n", "notice")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(messages):
            outbox.put(mail, now, now + 600)
        base.append((time.perf_counter() - started) / messages)
        started = time.perf_counter()
        for _ in range(messages):
            sender = rng.randrange(200)
            known = book.students_keys(f"{sender:032x}", now)
            students = frozenset(f"v:{rng.getrandbits(64):016x}" for _ in range(4))
            book.record(_row(sender, now), students)
            assert len(known | students) >= 4
        ours.append((time.perf_counter() - started) / messages)
    engine.dispose()
    return statistics.median(ours) * 1000, statistics.median(base) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("sqlite", f"sqlite:///{Path(folder) / 'q.db'}")]
        try:
            import psycopg

            with psycopg.connect(args.postgres, connect_timeout=3) as connection:
                schema = f"bench_{random.getrandbits(32):08x}"
                connection.execute(f'CREATE SCHEMA "{schema}"')
                connection.commit()
            targets.append(("postgresql", f"{args.postgres}?options=-csearch_path%3D{schema}"))
        except Exception as error:
            print(f"postgresql: skipped ({type(error).__name__})")
            schema = ""
        for name, url in targets:
            ours, base = measure(url, args.messages, args.rounds)
            print(
                f"{name}: students_24h read + decision recorded {ours:.2f} ms/message; "
                f"baseline (one outbox put) {base:.2f} ms; ratio {ours / base:.2f}"
            )
        if schema:
            with psycopg.connect(args.postgres) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
                connection.commit()


if __name__ == "__main__":
    main()
