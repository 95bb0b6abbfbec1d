"""The audit chain's signed checkpoints in the quarantine database, by host.

Gateways that share a PostgreSQL quarantine each keep their own audit chain (one file per host)
and anchor it here under their host id; `dlp audit verify` reads every host's rows and checks
their signatures with the public key alone.
"""

from __future__ import annotations

import logging

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from dlp.audit_checkpoints import Checkpoint
from dlp.quarantine import schema
from dlp.quarantine.store import Tables

log = logging.getLogger("dlp.audit")
_TABLE = schema.audit_checkpoints


class CheckpointBook(Tables):
    def record(self, checkpoint: Checkpoint) -> None:
        """Store ``checkpoint``; the same one twice (a shutdown right after a periodic one)
        is stored once."""
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(_TABLE).values(**checkpoint.to_dict()))
        except IntegrityError:
            pass

    def checkpoints(self, host: str | None = None) -> list[Checkpoint]:
        """Every checkpoint (of ``host``), oldest chain position first."""
        query = select(_TABLE).order_by(_TABLE.c.host, _TABLE.c.count, _TABLE.c.time)
        if host is not None:
            query = query.where(_TABLE.c.host == host)
        with self.engine.connect() as connection:
            return [Checkpoint.from_dict(dict(row._mapping)) for row in connection.execute(query)]
