"""A message's two audit records: its decision before anything is done, its outcome after.

Why two, and in this order:

- ``gateway-decision`` (the policy's decision: verdicts, rules, counts, digests) is written and
  fsynced *before* the first copy is delivered or held. If the gateway dies at any point after
  that, the message is on the audit log; a crash can never leave a delivered message
  unaudited. If this record cannot be written, nothing has happened yet: the reply is 451 and
  the sending MTA keeps the message.
- ``gateway-outcome`` (who got a copy, which quarantine ids, who the next hop refused, the
  reply) is written after the action, without an fsync of its own: the decision before it
  already is durable, and one fsync per message keeps the log's lock (which serializes every
  writer) short; the next decision's fsync, or the system's, makes it durable. Its failure
  never changes the reply: the copies are out, and a 4xx would only make the sender try again
  and duplicate them. It is logged as an error at once (the outcome's ids and counts, no
  content) and tried again in the background; the gateway's stop waits for those tries.
  A decision with no outcome after it means the gateway stopped, or could not write, between
  the action and the reply.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from dlp.audit import AuditLog
from smtp_gateway.logs import log_event

# Seconds between the tries of an outcome that could not be written at once.
RETRY_DELAYS = (0.5, 2.0, 5.0, 15.0)  # within the 30 s a stop waits for them

Run = Callable[..., Awaitable[object]]


class MessageAudit:
    def __init__(self, log: AuditLog, run: Run, background: set[asyncio.Task[None]]) -> None:
        self.log = log
        self._run = run
        self.background = background

    async def decision(self, fields: dict[str, object]) -> int:
        """The decision, durable before any action; its entry's seq. Raises when unwritable."""
        entry = await self._run(functools.partial(self.log.append, "gateway-decision", **fields))
        assert isinstance(entry, dict)
        return int(entry["seq"])

    async def outcome(self, fields: dict[str, object]) -> None:
        """The outcome; never raises: a failure is logged and retried in the background."""
        if await self._try(fields, 0):
            return
        task = asyncio.get_running_loop().create_task(self._retry(fields))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _try(self, fields: dict[str, object], attempt: int) -> bool:
        try:
            await self._run(self.log.record, "gateway-outcome", fields, False)
        except Exception as error:
            log_event(
                "audit-append-failed",
                logging.ERROR,
                record="gateway-outcome",
                attempt=attempt,
                error=type(error).__name__,
                detail=str(error)[:200],
                outcome=fields,
            )
            return False
        if attempt:
            log_event(
                "audit-append-recovered",
                logging.WARNING,
                attempt=attempt,
                gateway_id=fields.get("gateway_id"),
            )
        return True

    async def _retry(self, fields: dict[str, object]) -> None:
        for attempt, delay in enumerate(RETRY_DELAYS, start=1):
            await asyncio.sleep(delay)
            if await self._try(fields, attempt):
                return
        log_event(
            "audit-outcome-lost",
            logging.CRITICAL,
            outcome=fields,
            note="the decision is on the audit log; this line is the outcome's only record",
        )
