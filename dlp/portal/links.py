"""Pickup links, one-time codes and portal sessions, in the quarantine's database.

Nothing here is kept in a process's memory: any gateway or portal host sharing the database
can serve any link, count its codes and lock it. Tokens, codes and session ids are stored as
hashes only (`dlp.portal.tokens`).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from dlp.portal.tokens import code_hash, new_token, session_hash, token_hash, well_formed
from dlp.quarantine import schema


class Purpose(StrEnum):
    PICKUP = "pickup"  # the recipient's link
    REVOKE = "revoke"  # the sender's link, to revoke the recipients' links
    OVERRIDE = "override"  # the sender's link, to release a held message themselves


@dataclass(frozen=True, slots=True)
class Link:
    hash: str
    held_id: str
    recipient: str
    purpose: Purpose
    created: int
    expires: int
    revoked: int
    locked_until: int

    def usable(self, now: int) -> bool:
        return not self.revoked and now < self.expires


class CodeCheck(StrEnum):
    GOOD = "good"
    WRONG = "wrong"
    NONE = "none"  # no code waiting (never asked, used, or expired)
    LOCKED = "locked"  # too many wrong codes: the link is locked for a while


@dataclass(frozen=True, slots=True)
class PortalSession:
    link_hash: str
    csrf: str


def _link(row: object) -> Link:
    return Link(
        hash=row.token_hash,  # type: ignore[attr-defined]
        held_id=row.held_id,  # type: ignore[attr-defined]
        recipient=row.recipient,  # type: ignore[attr-defined]
        purpose=Purpose(row.purpose),  # type: ignore[attr-defined]
        created=int(row.created),  # type: ignore[attr-defined]
        expires=int(row.expires),  # type: ignore[attr-defined]
        revoked=int(row.revoked),  # type: ignore[attr-defined]
        locked_until=int(row.locked_until),  # type: ignore[attr-defined]
    )


class PortalLinks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- links ----------------------------------------------------------------------------

    def create(
        self,
        held_id: str,
        recipient: str,
        purpose: Purpose,
        expires: int,
        now: int,
        connection: Connection | None = None,
    ) -> str:
        """A new link; the token is returned once, and only its hash is stored. In
        ``connection``'s transaction when given (the message's own, at a deposit)."""
        token = new_token()
        statement = insert(schema.portal_links).values(
            token_hash=token_hash(token),
            held_id=held_id,
            recipient=recipient[:998],
            purpose=purpose.value,
            created=now,
            expires=expires,
            revoked=0,
            revoked_by="",
            failures=0,
            locked_until=0,
        )
        if connection is not None:
            connection.execute(statement)
            return token
        with self.engine.begin() as own:
            own.execute(statement)
        return token

    def find(self, token: str, purpose: Purpose) -> Link | None:
        """The link of ``token`` for ``purpose`` (expired and revoked ones too: the caller says
        why it does not work); None for a token that is not one, or not for this purpose."""
        if not well_formed(token):
            return None
        table = schema.portal_links
        with self.engine.connect() as connection:
            row = connection.execute(
                select(table).where(
                    table.c.token_hash == token_hash(token), table.c.purpose == purpose.value
                )
            ).first()
        return None if row is None else _link(row)

    def by_hash(self, link_hash: str) -> Link | None:
        table = schema.portal_links
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.token_hash == link_hash)).first()
        return None if row is None else _link(row)

    def for_message(self, held_id: str) -> list[Link]:
        table = schema.portal_links
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table).where(table.c.held_id == held_id).order_by(table.c.created)
            ).all()
        return [_link(row) for row in rows]

    def revoke(self, held_id: str, by: str, now: int, recipient: str | None = None) -> int:
        """Revoke the pickup links of ``held_id`` (of one recipient, or all); how many."""
        table = schema.portal_links
        conditions = [
            table.c.held_id == held_id,
            table.c.purpose == Purpose.PICKUP.value,
            table.c.revoked == 0,
        ]
        if recipient is not None:
            conditions.append(func.lower(table.c.recipient) == recipient.lower())
        with self.engine.begin() as connection:
            hashes = [
                row.token_hash
                for row in connection.execute(select(table.c.token_hash).where(*conditions))
            ]
            if not hashes:
                return 0
            connection.execute(
                update(table)
                .where(table.c.token_hash.in_(hashes))
                .values(revoked=now, revoked_by=by[:128])
            )
            sessions = schema.portal_sessions
            connection.execute(delete(sessions).where(sessions.c.token_hash.in_(hashes)))
        return len(hashes)

    def ever_revoked(self, held_id: str, recipient: str) -> bool:
        """Whether a pickup link of this message for this recipient was revoked: then no new
        link is made for them."""
        table = schema.portal_links
        with self.engine.connect() as connection:
            found = connection.execute(
                select(func.count())
                .select_from(table)
                .where(
                    table.c.held_id == held_id,
                    func.lower(table.c.recipient) == recipient.lower(),
                    table.c.purpose == Purpose.PICKUP.value,
                    table.c.revoked != 0,
                )
            ).scalar_one()
        return bool(found)

    def spend(self, link_hash: str, by: str, now: int) -> bool:
        """Use up a single-use link: True for the one caller that did (a second use, or two at
        once, finds it spent)."""
        table = schema.portal_links
        with self.engine.begin() as connection:
            done = connection.execute(
                update(table)
                .where(table.c.token_hash == link_hash, table.c.revoked == 0)
                .values(revoked=now, revoked_by=by[:128])
            )
            connection.execute(
                delete(schema.portal_sessions).where(
                    schema.portal_sessions.c.token_hash == link_hash
                )
            )
        return bool(done.rowcount)

    def spent_since(self, recipient: str, purpose: Purpose, by: str, since: int) -> int:
        """How many links of ``recipient`` for ``purpose`` were used up (by ``by``) since."""
        table = schema.portal_links
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(table)
                    .where(
                        func.lower(table.c.recipient) == recipient.lower(),
                        table.c.purpose == purpose.value,
                        table.c.revoked_by == by,
                        table.c.revoked >= since,
                    )
                ).scalar_one()
            )

    # --- codes ----------------------------------------------------------------------------

    def codes_since(self, link_hash: str, since: int) -> int:
        table = schema.portal_codes
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.token_hash == link_hash, table.c.sent >= since)
                ).scalar_one()
            )

    def add_code(self, link_hash: str, code: str, now: int, expires: int) -> None:
        """A new code for the link; any earlier one stops working."""
        table = schema.portal_codes
        with self.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.token_hash == link_hash).values(used=True)
            )
            connection.execute(
                insert(table).values(
                    token_hash=link_hash,
                    code_hash=code_hash(link_hash, code),
                    sent=now,
                    expires=expires,
                    used=False,
                )
            )

    def check_code(
        self, link_hash: str, code: str, now: int, tries: int, lockout: int
    ) -> CodeCheck:
        """One try of ``code``: a good one is used up; the ``tries``-th wrong one in a row locks
        the link for ``lockout`` seconds and voids the code (under a row lock, so that hosts
        sharing the database count every try)."""
        links, codes = schema.portal_links, schema.portal_codes
        with self.engine.begin() as connection:
            link = connection.execute(
                select(links.c.failures, links.c.locked_until)
                .where(links.c.token_hash == link_hash)
                .with_for_update()
            ).first()
            if link is None:
                return CodeCheck.NONE
            if int(link.locked_until) > now:
                return CodeCheck.LOCKED
            waiting = connection.execute(
                select(codes.c.id, codes.c.code_hash)
                .where(
                    and_(
                        codes.c.token_hash == link_hash,
                        codes.c.used.is_(False),
                        codes.c.expires > now,
                    )
                )
                .order_by(codes.c.id.desc())
                .limit(1)
            ).first()
            if waiting is None:
                return CodeCheck.NONE
            if hmac.compare_digest(waiting.code_hash, code_hash(link_hash, code.strip())):
                connection.execute(update(codes).where(codes.c.id == waiting.id).values(used=True))
                connection.execute(
                    update(links).where(links.c.token_hash == link_hash).values(failures=0)
                )
                return CodeCheck.GOOD
            failures = int(link.failures) + 1
            if failures >= tries:
                connection.execute(
                    update(links)
                    .where(links.c.token_hash == link_hash)
                    .values(failures=0, locked_until=now + lockout)
                )
                connection.execute(
                    update(codes).where(codes.c.token_hash == link_hash).values(used=True)
                )
                return CodeCheck.LOCKED
            connection.execute(
                update(links).where(links.c.token_hash == link_hash).values(failures=failures)
            )
            return CodeCheck.WRONG

    # --- sessions -------------------------------------------------------------------------

    def open_session(self, link_hash: str, now: int, seconds: int) -> tuple[str, str]:
        """A session for the link: (its id, for the cookie; its CSRF token)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        table = schema.portal_sessions
        with self.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.expires <= now))
            connection.execute(
                insert(table).values(
                    session_hash=session_hash(session_id),
                    token_hash=link_hash,
                    csrf=csrf,
                    created=now,
                    expires=now + seconds,
                )
            )
        return session_id, csrf

    def session(self, session_id: str | None, now: int) -> PortalSession | None:
        if not session_id or len(session_id) > 64:
            return None
        table = schema.portal_sessions
        with self.engine.connect() as connection:
            row = connection.execute(
                select(table).where(
                    table.c.session_hash == session_hash(session_id), table.c.expires > now
                )
            ).first()
        return None if row is None else PortalSession(row.token_hash, row.csrf)

    def close_session(self, session_id: str) -> None:
        table = schema.portal_sessions
        with self.engine.begin() as connection:
            connection.execute(
                delete(table).where(table.c.session_hash == session_hash(session_id))
            )
