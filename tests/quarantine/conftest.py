"""Real stores: SQLite in a temporary folder, and PostgreSQL in a throwaway schema."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlp.model import ScanResult
from dlp.policy import Decision, Policy, decide, load_policy
from dlp.quarantine.store import QuarantineStore

REPO = Path(__file__).resolve().parents[2]
SAMPLE_POLICY = REPO / "samples" / "policy.toml"
POSTGRES_URL = os.environ.get("DLP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
KEY = bytes(range(32))
SENDER = "teacher@cusd.com"
OUTSIDE = "someone@gmail.example"

MESSAGE = (
    b"From: Teacher <teacher@cusd.com>\r\n"
    b"To: someone@gmail.example\r\n"
    b"Subject: roster\r\n"
    b"Message-ID: <roster-1@cusd.com>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello,\r\n"
    b"Student SSN: 536-22-1234, date of birth 04/12/2011.\r\n"
    b"Another SSN 536-22-5678 for the IEP meeting.\r\n"
)


def another(n: int) -> bytes:
    """The n-th of several different messages, 0 being MESSAGE itself (only its Message-ID
    differs). The store merges the same message held twice, so tests that need several holds
    hold several messages."""
    if n == 0:
        return MESSAGE
    return MESSAGE.replace(b"<roster-1@cusd.com>", f"<roster-1.{n}@cusd.com>".encode())


def postgres_url_or_skip() -> str:
    """The test server's URL, or a skip that says why the PostgreSQL tests did not run."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
    except Exception as error:  # any failure to reach it is a reason to skip, stated
        pytest.skip(
            f"PostgreSQL not reachable at {POSTGRES_URL} ({type(error).__name__}: "
            f"{str(error).strip()[:120]}); set DLP_TEST_POSTGRES_URL to run these tests"
        )
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    url = postgres_url_or_skip()
    name = f"dlp_test_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(SAMPLE_POLICY)


@pytest.fixture(scope="session")
def held_scan(scanner) -> ScanResult:
    from dlp.pipeline import scan_message

    return scan_message(MESSAGE, scanner)


@pytest.fixture(scope="session")
def held_decision(policy: Policy, held_scan: ScanResult) -> Decision:
    return decide(policy, SENDER, [OUTSIDE], held_scan)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'q' / 'quarantine.db'}"
    else:
        yield request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[QuarantineStore]:
    opened = QuarantineStore.open(store_url, KEY)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[QuarantineStore]:
    opened = QuarantineStore.open(f"sqlite:///{tmp_path / 'quarantine.db'}", KEY)
    try:
        yield opened
    finally:
        opened.close()
