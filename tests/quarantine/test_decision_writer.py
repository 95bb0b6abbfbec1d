"""The gateway's decisions writer (`smtp_gateway.decision_book`): a decided message's row is
written after its reply, in batches, never on the reply's path; a sender's history waits for
what is not yet written, so `sender.students_24h` still counts every earlier message; a batch
that fails is logged and the writer goes on. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dlp.pipeline import scan_message
from dlp.policy import Policy, decide
from dlp.quarantine.decisions import DecisionBook
from smtp_gateway.decision_book import DecisionRecorder
from smtp_gateway.observers import Decided
from tests.quarantine.test_decisions import OUTSIDE, SECRET, TEACHER, roster_mail


class GatedBook(DecisionBook):
    """A real book whose writes wait until the test opens the gate."""

    def __init__(self, url: str) -> None:
        super().__init__(DecisionBook.open(url).engine)
        self.gate = threading.Event()
        self.batches: list[int] = []
        self.fail_next = False

    def record_many(self, entries: Any) -> None:
        self.gate.wait(10)
        self.batches.append(len(entries))
        if self.fail_next:
            self.fail_next = False
            raise OSError("database away")
        super().record_many(entries)


def _decided(scanner: object, policy: Policy, number: int) -> Decided:
    ids = list(range(20230101 + 37 * number, 20230101 + 37 * number + 37 * 4, 37))
    scan = scan_message(roster_mail(ids, number), scanner)  # type: ignore[arg-type]
    decision = decide(policy, TEACHER, [OUTSIDE], scan)
    return Decided(
        decision, f"gw-{number}", "<masked>", {}, (), (OUTSIDE,), "250 ok", "v1", 1e9, scan
    )


def test_rows_are_written_after_the_reply_in_batches_and_history_waits_for_them(
    scanner: object, policy: Policy, store_url: str
) -> None:
    book = GatedBook(store_url)
    executor = ThreadPoolExecutor(2)
    recorder = DecisionRecorder(book, SECRET, executor)
    messages = [_decided(scanner, policy, n) for n in range(3)]

    async def run() -> frozenset[str]:
        for decided in messages:
            # Returns at once although the database cannot write yet: the reply is not held.
            await asyncio.wait_for(recorder.decided(decided), 1)
        assert book.count() == 0
        history = asyncio.create_task(recorder.history(TEACHER))
        await asyncio.sleep(0.2)
        assert not history.done()  # it waits for the rows not yet written
        book.gate.set()
        return await asyncio.wait_for(history, 10)

    try:
        asyncio.run(run())
        assert book.count() == 3
        # The rows waited together for others to join them (`LINGER`); the history did not
        # wait for that wait: one transaction, at once.
        assert book.batches == [3]
    finally:
        executor.shutdown()
        book.close()


def test_rows_decided_close_together_share_one_transaction_without_a_flush(
    scanner: object, policy: Policy, store_url: str
) -> None:
    book = GatedBook(store_url)
    book.gate.set()
    executor = ThreadPoolExecutor(2)
    recorder = DecisionRecorder(book, SECRET, executor, linger=0.05)
    messages = [_decided(scanner, policy, n) for n in range(4)]

    async def run() -> None:
        for decided in messages[:3]:
            await recorder.decided(decided)
        await asyncio.sleep(0.5)  # past the linger: written by the writer alone
        assert book.batches == [3]
        await recorder.decided(messages[3])
        await recorder.flush()

    try:
        asyncio.run(run())
        assert book.batches == [3, 1]
        assert book.count() == 4
    finally:
        executor.shutdown()
        book.close()


def test_a_failed_batch_is_logged_and_the_next_is_written(
    scanner: object, policy: Policy, store_url: str, caplog: Any
) -> None:
    book = GatedBook(store_url)
    book.gate.set()
    book.fail_next = True
    executor = ThreadPoolExecutor(1)
    recorder = DecisionRecorder(book, SECRET, executor)

    async def run() -> None:
        await recorder.decided(_decided(scanner, policy, 0))
        await recorder.flush()
        await recorder.decided(_decided(scanner, policy, 1))
        await recorder.flush()

    try:
        asyncio.run(run())
        assert book.count() == 1
        assert "decision-record-failed" in caplog.text
        assert "20230101" not in caplog.text
    finally:
        executor.shutdown()
        book.close()
