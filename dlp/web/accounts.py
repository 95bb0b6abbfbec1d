"""Local accounts: a role each, passwords hashed with argon2id (memory-hard)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dlp.quarantine.store import QuarantineStore
from dlp.web.account_store import Account, AccountStore

MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class Role(StrEnum):
    VIEWER = "viewer"  # the queue and masked findings
    REVIEWER = "reviewer"  # and reveal, release, reject, delete, "not sensitive"
    ADMIN = "admin"  # and accounts

    @property
    def rank(self) -> int:
        return (Role.VIEWER, Role.REVIEWER, Role.ADMIN).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class AccountError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role


class Accounts:
    def __init__(self, store: QuarantineStore, hasher: PasswordHasher | None = None) -> None:
        self.store = AccountStore(store.engine)
        # argon2-cffi's defaults: argon2id, 64 MiB, 3 passes (RFC 9106's second recommendation).
        self.hasher = hasher or PasswordHasher()
        # Unknown users still cost one verification: response time does not tell who exists.
        self._dummy = self.hasher.hash("not a password: equalises timing")

    def put(self, username: str, password: str, role: Role) -> None:
        if not _USERNAME.match(username):
            raise AccountError("a user name is 1-64 letters, digits, dots, dashes, @ or _")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
        self.store.put_account(username, self.hasher.hash(password), role.value)

    def authenticate(self, username: str, password: str) -> User | None:
        account: Account | None = self.store.account(username) if username else None
        stored = account.password_hash if account is not None else self._dummy
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None or account.disabled:
            return None
        if self.hasher.check_needs_rehash(stored):
            self.store.put_account(username, self.hasher.hash(password), account.role)
        return User(account.username, Role(account.role))

    def current(self, username: str) -> User | None:
        """The account as it is now (a role change or a disabled account applies at once)."""
        account = self.store.account(username)
        if account is None or account.disabled:
            return None
        return User(account.username, Role(account.role))

    def list(self) -> list[Account]:
        return self.store.accounts()

    def disable(self, username: str, disabled: bool) -> bool:
        return self.store.set_account_disabled(username, disabled)
