"""The web application's local accounts, as rows: the quarantine database holds them (the
``quarantine_accounts`` table of `dlp.quarantine.schema`), the quarantine store does not."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from dlp.quarantine import schema


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    password_hash: str
    role: str
    created: int
    disabled: bool


class AccountStore:
    """The accounts table on ``engine`` (the quarantine store's); safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put_account(self, username: str, password_hash: str, role: str) -> None:
        table = schema.accounts
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(table)
                .where(table.c.username == username)
                .values(password_hash=password_hash, role=role, disabled=False)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(table).values(
                        username=username,
                        password_hash=password_hash,
                        role=role,
                        created=int(time.time()),
                        disabled=False,
                    )
                )

    def account(self, username: str) -> Account | None:
        table = schema.accounts
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.username == username)).first()
        if row is None:
            return None
        return Account(row.username, row.password_hash, row.role, int(row.created), row.disabled)

    def accounts(self) -> list[Account]:
        table = schema.accounts
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.username)).all()
        return [
            Account(row.username, row.password_hash, row.role, int(row.created), row.disabled)
            for row in rows
        ]

    def set_account_disabled(self, username: str, disabled: bool) -> bool:
        table = schema.accounts
        with self.engine.begin() as connection:
            return bool(
                connection.execute(
                    update(table).where(table.c.username == username).values(disabled=disabled)
                ).rowcount
            )
