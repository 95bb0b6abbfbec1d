"""The quarantine store: encrypted message bytes and their metadata in one database.

One code path for SQLite (the default: embedded, WAL, ``synchronous=FULL``) and PostgreSQL
(several gateway instances sharing one quarantine), through SQLAlchemy Core. `hold` writes the
sealed message, its metadata and its masked findings in one transaction and returns the id
only after that transaction has committed: on SQLite the WAL is fsynced at commit, on
PostgreSQL the commit waits for the WAL flush.

The store knows nothing about who is asking; `dlp.quarantine.triage` puts every look and
every decision on the audit log before it reaches the store.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Row,
    Table,
    and_,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dlp.quarantine import schema
from dlp.quarantine.crypto import Keyring, QuarantineKeyError, Sealed
from dlp.quarantine.errors import IntegrityError as IntegrityError
from dlp.quarantine.errors import NotFound as NotFound
from dlp.quarantine.errors import QuarantineError as QuarantineError
from dlp.quarantine.errors import StateError as StateError
from dlp.quarantine.records import (
    Filters,
    FiredBy,
    HeldMessage,
    Status,
    StoredFinding,
    held_message,
    members,
)
from dlp.quarantine.sqlite_listing import pragmas

if TYPE_CHECKING:
    # The policy package is imported where a message is held (`safe_location`), not by the
    # reviewer's commands that only read the store (``show``, ``export``).
    from dlp.model import ScanResult
    from dlp.policy.decision import Decision

DAY = 86_400
# The regulation keeps mail at least 90 days; a year is the archive period.
MIN_RETENTION_DAYS = 90
DEFAULT_RETENTION_DAYS = 365


def engine_url(url: str) -> str:
    """SQLAlchemy's URL for ``url``: PostgreSQL always through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///") or url.startswith("postgresql+psycopg://"):
        return url
    raise QuarantineError(f"quarantine url must start with sqlite:/// or postgresql://: {url!r}")


def open_engine(url: str) -> Engine:
    """An engine for the quarantine's database (the SQLite file and the tables made when
    missing); shared by the store and the outbound queue (`dlp.quarantine.outbox`)."""
    target = engine_url(url)
    if target.startswith("sqlite:///"):
        database = make_url(target).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(target)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(target, pool_pre_ping=True)
    try:
        schema.metadata.create_all(engine)
        # create_all makes a missing table with its indexes, but not an index added later
        # to a table that already exists (the digest index, for merging holds).
        for index in schema.messages.indexes:
            index.create(engine, checkfirst=True)
    except SQLAlchemyError as error:
        engine.dispose()
        raise QuarantineError(f"cannot open the quarantine at {_safe_url(url)}: {error}") from None
    return engine


class Tables:
    """Tables of the quarantine's database used apart from the store (the outbound queue,
    the audit checkpoints): opened from its URL, closed with the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Self:
        """The tables in the quarantine at ``url`` (made when missing)."""
        return cls(open_engine(url))

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    pragmas(dbapi_connection)


def _of_message(table: Table, condition: Any) -> Any:
    """Whether a held message has a row in ``table`` (keyed by its id) meeting ``condition``."""
    return exists().where(and_(table.c.held_id == schema.messages.c.id, condition))


def _first(connection: Connection, table: Table, key: Column[Any], value: str) -> Row[Any] | None:
    """The row of ``table`` whose ``key`` is ``value``, if there is one."""
    return connection.execute(select(table).where(key == value)).first()


def _joined(values: Iterable[str]) -> str:
    items = sorted({value for value in values if value})
    return "," + ",".join(items) + "," if items else ""


def _rules_by_entity(decision: Decision) -> dict[str, list[FiredBy]]:
    """For each entity type, the rules (and clauses) it took part in, over all recipients."""
    found: dict[str, dict[str, FiredBy]] = {}
    for verdict in decision.per_recipient.values():
        for rule in verdict.rules:
            for summary in rule.findings:
                found.setdefault(summary.entity_type, {})[rule.name] = FiredBy(
                    rule.name, rule.clauses
                )
    return {entity: list(rules.values()) for entity, rules in found.items()}


def _held_rules(decision: Decision, recipients: Sequence[str]) -> list[str]:
    """The rules behind the held recipients' verdicts (all blocking ones if none is named)."""
    wanted = {address.lower() for address in recipients}
    verdicts = [
        verdict for address, verdict in decision.per_recipient.items() if address.lower() in wanted
    ] or [verdict for verdict in decision.per_recipient.values() if verdict.intended.blocks]
    return [rule.name for verdict in verdicts for rule in verdict.rules]


def _recipient_rows(held_id: str, addresses: Sequence[str], first: int) -> list[dict[str, object]]:
    return [
        {
            "held_id": held_id,
            "position": position,
            "address": address[:998],
            "lower_address": address[:998].lower(),
        }
        for position, address in enumerate(addresses, first)
    ]


class QuarantineStore:
    """Open with `QuarantineStore.open`; safe to share between threads."""

    def __init__(
        self, engine: Engine, keyring: Keyring, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        if retention_days < MIN_RETENTION_DAYS:
            raise QuarantineError(
                f"retention of {retention_days} days is below the {MIN_RETENTION_DAYS}-day minimum"
            )
        self.engine = engine
        self.keyring = keyring
        self.retention_days = retention_days

    @classmethod
    def open(
        cls,
        url: str,
        key: bytes | Keyring,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        old_keys: Iterable[bytes] = (),
    ) -> QuarantineStore:
        """Connect (creating the SQLite file and the tables when missing)."""
        keyring = key if isinstance(key, Keyring) else Keyring.of(key, old_keys)
        return cls(open_engine(url), keyring, retention_days)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    # --- holding --------------------------------------------------------------------------

    def hold(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
    ) -> str:
        """Store one message for review; the id is returned once the commit is durable.

        The same message (sender and SHA-256) still held is not held twice: its recipients are
        added to the first hold, whose id is returned. A gateway killed after holding but before
        its reply gets the message again from the sending MTA; a reviewer then decides once.
        """
        sha256 = hashlib.sha256(raw).hexdigest()
        addresses = list(dict.fromkeys(recipients))
        with self._begin() as connection:
            self._lock_digest(connection, sha256)
            earlier = connection.execute(
                select(schema.messages.c.id, schema.messages.c.decision, schema.messages.c.rules)
                .where(
                    schema.messages.c.sender == sender[:998],
                    schema.messages.c.sha256 == sha256,
                    schema.messages.c.status == Status.HELD.value,
                )
                .order_by(schema.messages.c.received, schema.messages.c.id)
                .limit(1)
            ).first()
            if earlier is not None:
                self._merge(connection, earlier, addresses, decision)
                return str(earlier.id)
            return self._insert(
                connection, raw, sha256, sender, addresses, decision, scan, message_id
            )

    def deposit(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
        retention_days: int,
        also: Callable[[Connection, str], None] | None = None,
    ) -> str:
        """Store one message for pickup on the portal (`dlp.portal`), sealed as a held one but
        with a status of its own (never merged with a hold, never in the review queue's
        default view); the id is returned once the commit is durable. ``also(connection, id)``
        writes what goes with it (its links) in the same transaction."""
        if retention_days < MIN_RETENTION_DAYS:
            raise QuarantineError(
                f"retention of {retention_days} days is below the {MIN_RETENTION_DAYS}-day minimum"
            )
        sha256 = hashlib.sha256(raw).hexdigest()
        addresses = list(dict.fromkeys(recipients))
        with self._begin() as connection:
            held_id = self._insert(
                connection,
                raw,
                sha256,
                sender,
                addresses,
                decision,
                scan,
                message_id,
                Status.PICKUP,
                retention_days,
            )
            if also is not None:
                also(connection, held_id)
            return held_id

    def _lock_digest(self, connection: Connection, sha256: str) -> None:
        """Lock before looking for an earlier hold, to the end of the transaction, so that two
        holds of the same message at once cannot both miss each other.

        PostgreSQL: an advisory lock on the digest. SQLite: the database's write lock, taken by
        a write that changes nothing (the driver would otherwise begin the transaction only at
        the first insert, after the look)."""
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(int(sha256[:15], 16))))
        else:
            table = schema.messages
            connection.execute(update(table).where(table.c.id == "").values(note=table.c.note))

    def _merge(
        self, connection: Connection, earlier: Any, addresses: Sequence[str], decision: Decision
    ) -> None:
        """Add the recipients ``earlier`` does not have yet, with their verdicts and rules."""
        table = schema.recipients
        rows = connection.execute(
            select(table.c.position, table.c.lower_address).where(table.c.held_id == earlier.id)
        ).all()
        known = {row.lower_address for row in rows}
        new: dict[str, str] = {}
        for address in addresses:
            if address[:998].lower() not in known:
                new.setdefault(address[:998].lower(), address)
        if not new:
            return
        added = list(new.values())
        first = max((int(row.position) for row in rows), default=-1) + 1
        connection.execute(insert(table), _recipient_rows(earlier.id, added, first))
        stored = json.loads(earlier.decision)
        wanted = set(new)
        stored["recipients"] = [
            *stored.get("recipients", []),
            *(
                verdict.to_dict()
                for address, verdict in decision.per_recipient.items()
                if address.lower() in wanted
            ),
        ]
        rules = [*members(earlier.rules), *_held_rules(decision, added)]
        connection.execute(
            update(schema.messages)
            .where(schema.messages.c.id == earlier.id)
            .values(decision=json.dumps(stored, sort_keys=True), rules=_joined(rules))
        )

    def _insert(
        self,
        connection: Connection,
        raw: bytes,
        sha256: str,
        sender: str,
        addresses: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
        status: Status = Status.HELD,
        retention_days: int | None = None,
    ) -> str:
        from dlp.policy.summary import safe_location

        held_id = secrets.token_hex(8)
        now = int(time.time())
        days = self.retention_days if retention_days is None else retention_days
        sealed = self.keyring.seal(held_id, raw)
        by_entity = _rules_by_entity(decision)
        connection.execute(
            insert(schema.messages).values(
                id=held_id,
                received=now,
                expires=now + days * DAY,
                sender=sender[:998],
                message_id=message_id[:998],
                size=len(raw),
                sha256=sha256,
                score=float(decision.score),
                categories=_joined(finding.category.value for finding in scan.findings),
                rules=_joined(_held_rules(decision, addresses)),
                decision=json.dumps(decision.to_dict(), sort_keys=True),
                status=status.value,
                status_time=now,
                status_by="gateway",
                note="",
                legal_hold=False,
                delivery="",
            )
        )
        connection.execute(
            insert(schema.blobs).values(
                held_id=held_id,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
            )
        )
        if addresses:
            connection.execute(insert(schema.recipients), _recipient_rows(held_id, addresses, 0))
        if scan.findings:
            connection.execute(
                insert(schema.findings),
                [
                    {
                        "held_id": held_id,
                        "position": position,
                        "entity_type": finding.entity_type,
                        "category": finding.category.value,
                        "location": safe_location(finding.location),
                        "start": finding.start,
                        "end": finding.end,
                        "score": float(finding.score),
                        "recognizer": finding.recognizer[:128],
                        "pattern": finding.pattern[:128],
                        "masked": finding.masked[:256],
                        "digest": finding.digest,
                        "context_words": json.dumps(list(finding.context_words)),
                        "rules": json.dumps(
                            [
                                {"rule": item.rule, "clauses": list(item.clauses)}
                                for item in by_entity.get(finding.entity_type, [])
                            ]
                        ),
                    }
                    for position, finding in enumerate(scan.findings)
                ],
            )
        if scan.message_id is not None:
            connection.execute(
                insert(schema.message_digests).values(
                    held_id=held_id, message_id_digest=scan.message_id.digest
                )
            )
        return held_id

    # --- reading --------------------------------------------------------------------------

    def _recipients(self, connection: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {held_id: [] for held_id in ids}
        if not ids:
            return found
        rows = connection.execute(
            select(schema.recipients.c.held_id, schema.recipients.c.address)
            .where(schema.recipients.c.held_id.in_(list(ids)))
            .order_by(schema.recipients.c.held_id, schema.recipients.c.position)
        )
        for held_id, address in rows:
            found[held_id].append(address)
        return found

    def get(self, held_id: str) -> HeldMessage:
        with self.engine.connect() as connection:
            row = _first(connection, schema.messages, schema.messages.c.id, held_id)
            if row is None:
                raise NotFound(f"no held message {held_id!r}")
            return held_message(row._mapping, self._recipients(connection, [held_id])[held_id])

    def _where(self, filters: Filters) -> list[Any]:
        # Filter values are substrings, never patterns: autoescape keeps % and _ literal.
        table = schema.messages
        conditions: list[Any] = []
        if filters.since is not None:
            conditions.append(table.c.received >= filters.since)
        if filters.until is not None:
            conditions.append(table.c.received < filters.until)
        if filters.sender:
            conditions.append(
                func.lower(table.c.sender).contains(filters.sender.lower(), autoescape=True)
            )
        if filters.recipient:
            address = schema.recipients.c.lower_address
            conditions.append(
                _of_message(
                    schema.recipients, address.contains(filters.recipient.lower(), autoescape=True)
                )
            )
        if filters.category:
            conditions.append(
                table.c.categories.contains(f",{filters.category.upper()},", autoescape=True)
            )
        if filters.rule:
            conditions.append(table.c.rules.contains(f",{filters.rule},", autoescape=True))
        if filters.status is not None:
            conditions.append(table.c.status == filters.status.value)
        if filters.message_id_digest:
            digest = schema.message_digests.c.message_id_digest
            conditions.append(
                _of_message(schema.message_digests, digest == filters.message_id_digest)
            )
        return conditions

    def search(self, filters: Filters | None = None) -> list[HeldMessage]:
        filters = filters or Filters()
        table = schema.messages
        column = table.c[filters.sort]
        order = column.desc() if filters.descending else column.asc()
        query = (
            select(table)
            .where(*self._where(filters))
            .order_by(order, table.c.id)
            .offset(filters.offset)
        )
        if filters.limit is not None:
            query = query.limit(filters.limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            addresses = self._recipients(connection, [row.id for row in rows])
            return [held_message(row._mapping, addresses[row.id]) for row in rows]

    def count(self, filters: Filters | None = None) -> int:
        filters = filters or Filters()
        query = select(func.count()).select_from(schema.messages).where(*self._where(filters))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def findings(self, held_id: str) -> list[StoredFinding]:
        table = schema.findings
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table).where(table.c.held_id == held_id).order_by(table.c.position)
            ).all()
        return [
            StoredFinding(
                position=int(row.position),
                entity_type=row.entity_type,
                category=row.category,
                location=row.location,
                start=int(row.start),
                end=int(row.end),
                score=float(row.score),
                recognizer=row.recognizer,
                pattern=row.pattern,
                masked=row.masked,
                digest=row.digest,
                context_words=tuple(json.loads(row.context_words)),
                rules=tuple(
                    FiredBy(item["rule"], tuple(item["clauses"])) for item in json.loads(row.rules)
                ),
            )
            for row in rows
        ]

    def content(self, held_id: str) -> bytes:
        """The original message bytes, decrypted and checked against their stored hash."""
        message = self.get(held_id)
        with self.engine.connect() as connection:
            row = _first(connection, schema.blobs, schema.blobs.c.held_id, held_id)
        if row is None:
            raise StateError(f"message {held_id} has no stored content ({message.status.value})")
        try:
            raw = self.keyring.open(
                held_id, Sealed(row.key_id, bytes(row.nonce), bytes(row.ciphertext))
            )
        except QuarantineKeyError as error:
            raise IntegrityError(str(error)) from None
        if hashlib.sha256(raw).hexdigest() != message.sha256:
            raise IntegrityError(f"message {held_id}: content does not match its stored hash")
        return raw

    # --- changing -------------------------------------------------------------------------

    def transition(
        self,
        held_id: str,
        allowed: Iterable[Status],
        to: Status,
        by: str,
        note: str = "",
        delivery: dict[str, object] | None = None,
    ) -> HeldMessage:
        """Move to ``to`` only from one of ``allowed`` (an atomic compare-and-set, so two
        reviewers, or two gateway hosts, can never both release one message)."""
        table = schema.messages
        values: dict[str, object] = {
            "status": to.value,
            "status_time": int(time.time()),
            "status_by": by[:128],
            "note": note,
        }
        if delivery is not None:
            values["delivery"] = json.dumps(delivery, sort_keys=True)
        states = [status.value for status in allowed]
        with self._begin() as connection:
            changed = connection.execute(
                update(table)
                .where(table.c.id == held_id, table.c.status.in_(states))
                .values(**values)
            ).rowcount
        if not changed:
            current = self.get(held_id)  # NotFound when there is no such message
            raise StateError(
                f"message {held_id} is {current.status.value}: cannot become {to.value}"
            )
        return self.get(held_id)

    def destroy(
        self,
        held_id: str,
        by: str,
        note: str,
        status: Status = Status.DELETED,
        allowed: Iterable[Status] | None = None,
    ) -> None:
        """Destroy the message bytes (metadata and masked findings stay for the record).

        ``allowed``: only from these states (checked in the same statement that changes it, so
        a message released meanwhile keeps its status); None: any but ``releasing``.
        """
        message = self.get(held_id)
        states = None if allowed is None else [state.value for state in allowed]
        if message.legal_hold:
            raise StateError(f"message {held_id} is under legal hold: lift the hold first")
        if message.status is Status.RELEASING:
            raise StateError(f"message {held_id} is being released")
        if states is not None and message.status.value not in states:
            raise StateError(
                f"message {held_id} is {message.status.value}: cannot become {status.value}"
            )
        table = schema.messages
        conditions = [
            table.c.id == held_id,
            table.c.legal_hold.is_(False),
            table.c.status != Status.RELEASING.value,
        ]
        if states is not None:
            conditions.append(table.c.status.in_(states))
        with self._begin() as connection:
            changed = connection.execute(
                update(table)
                .where(*conditions)
                .values(status=status.value, status_time=int(time.time()), status_by=by, note=note)
            ).rowcount
            if changed:
                connection.execute(delete(schema.blobs).where(schema.blobs.c.held_id == held_id))
        if not changed:
            raise StateError(f"message {held_id} changed while being deleted: try again")

    def set_legal_hold(self, held_id: str, on: bool, by: str, note: str = "") -> HeldMessage:
        message = self.get(held_id)
        if on and not message.status.has_content:
            raise StateError(f"message {held_id} is {message.status.value}: nothing left to hold")
        table = schema.messages
        with self._begin() as connection:
            connection.execute(update(table).where(table.c.id == held_id).values(legal_hold=on))
        return self.get(held_id)

    def expired(self, now: int | None = None) -> list[str]:
        """Messages past their retention with content left and no legal hold."""
        moment = int(time.time()) if now is None else now
        table = schema.messages
        query = (
            select(table.c.id)
            .where(
                table.c.expires <= moment,
                table.c.legal_hold.is_(False),
                table.c.status.notin_(
                    [Status.DELETED.value, Status.EXPIRED.value, Status.RELEASING.value]
                ),
            )
            .order_by(table.c.expires)
        )
        with self.engine.connect() as connection:
            return [row.id for row in connection.execute(query)]

    def set_expiry(self, held_id: str, expires: int) -> None:
        table = schema.messages
        with self._begin() as connection:
            connection.execute(update(table).where(table.c.id == held_id).values(expires=expires))

    def rotate(self) -> int:
        """Re-seal every message still under an old key with the current key; returns how many."""
        current = self.keyring.current.key_id
        with self.engine.connect() as connection:
            ids = [
                row.held_id
                for row in connection.execute(
                    select(schema.blobs.c.held_id).where(schema.blobs.c.key_id != current)
                )
            ]
        for held_id in ids:
            raw = self.content(held_id)
            sealed = self.keyring.seal(held_id, raw)
            with self._begin() as connection:
                connection.execute(
                    update(schema.blobs)
                    .where(schema.blobs.c.held_id == held_id)
                    .values(key_id=sealed.key_id, nonce=sealed.nonce, ciphertext=sealed.ciphertext)
                )
        return len(ids)

    # --- false positives ------------------------------------------------------------------

    def record_false_positive(
        self, held_id: str, digest: str, entity_type: str, by: str, note: str
    ) -> None:
        with self._begin() as connection:
            connection.execute(
                insert(schema.false_positives).values(
                    digest=digest,
                    entity_type=entity_type,
                    held_id=held_id,
                    recorded=int(time.time()),
                    recorded_by=by[:128],
                    note=note,
                )
            )

    def false_positives(self) -> list[dict[str, object]]:
        """Every "not sensitive" record, oldest first, with the finding's masked preview."""
        table, found = schema.false_positives, schema.findings
        masked = (
            select(func.min(found.c.masked))
            .where(found.c.held_id == table.c.held_id, found.c.digest == table.c.digest)
            .scalar_subquery()
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table, masked.label("masked")).order_by(table.c.id)
            ).all()
        return [
            {
                "digest": row.digest,
                "entity_type": row.entity_type,
                "masked": row.masked or "",
                "held_id": row.held_id,
                "recorded": int(row.recorded),
                "recorded_by": row.recorded_by,
                "note": row.note,
            }
            for row in rows
        ]


def _safe_url(url: str) -> str:
    """``url`` without a password, for messages."""
    try:
        return make_url(engine_url(url)).render_as_string(hide_password=True)
    except (QuarantineError, ValueError):
        return "<quarantine url>"
