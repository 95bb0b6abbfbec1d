"""The terminal's listing of a SQLite quarantine through sqlite3 (`dlp.quarantine.sqlite_listing`),
held to the store's SQLAlchemy listing: the same messages for any filters, the same lines and
audit records from `dlp quarantine list`, and the store's own path whenever the file is not one
the store has set up."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.audit import AuditLog
from dlp.cli import main
from dlp.model import ScanResult
from dlp.policy import Policy, decide
from dlp.quarantine import schema
from dlp.quarantine.checkpoints import CheckpointBook
from dlp.quarantine.records import SORT_KEYS, Filters, Status
from dlp.quarantine.sqlite_listing import STORE_MAKES, SqliteListing, escaped, sqlite_file
from dlp.quarantine.store import QuarantineStore
from tests.imported import modules_after
from tests.quarantine.conftest import KEY, SAMPLE_POLICY, another

SENDERS = ("teacher@cusd.com", "Coach_Smith@cusd.com", "50%off/deals@cusd.com")
RECIPIENTS = (
    ["someone@gmail.example"],
    ["parent@yahoo.example", "Counselor@cusd.com"],
    ["a_b@partner.example", "x%y@partner.example", "someone@gmail.example"],
)
# Substrings and values the filters draw from: parts of what is stored, LIKE's own
# characters (% _ and the escape /), and case changes.
WORDS = ("", "cusd", "CUSD", "_", "%", "/", "coach_", "50%", "%off/", "a_b", "x%y", "zzz", "@")


@pytest.fixture(scope="module")
def scans(scanner) -> list[ScanResult]:
    from dlp.pipeline import scan_message

    return [scan_message(another(n), scanner) for n in range(6)]


def _fill(store: QuarantineStore, policy: Policy, scans: list[ScanResult]) -> list[str]:
    """Six held messages with their own senders, recipients, rules, times and states."""
    ids = []
    for n, scan in enumerate(scans):
        sender = SENDERS[n % len(SENDERS)]
        recipients = RECIPIENTS[n % len(RECIPIENTS)]
        decision = decide(policy, sender, recipients, scan)
        ids.append(store.hold(another(n), sender, recipients, decision, scan, f"<m{n}@cusd.com>"))
    store.transition(ids[1], [Status.HELD], Status.RELEASED, "reviewer", "fine")
    store.destroy(ids[2], "reviewer", "gone")
    store.set_legal_hold(ids[3], True, "counsel")
    database = sqlite_file(str(store.engine.url))
    assert database is not None
    with sqlite3.connect(database) as connection:  # received times apart, two of them equal
        for n, held_id in enumerate(ids):
            connection.execute(
                "UPDATE quarantine_messages SET received = ?, size = ? WHERE id = ?",
                (1_700_000_000 + 3600 * min(n, 4), 1000 + 7 * (n % 3), held_id),
            )
    return ids


@pytest.fixture(scope="module")
def filled(tmp_path_factory, policy, scans) -> Iterator[tuple[QuarantineStore, SqliteListing]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('listing') / 'quarantine.db'}"
    store = QuarantineStore.open(url, KEY)
    _fill(store, policy, scans)
    listing = SqliteListing.open(url)
    assert listing is not None
    try:
        yield store, listing
    finally:
        listing.close()
        store.close()


def test_store_makes_what_the_schema_says():
    made = {table.name for table in schema.metadata.sorted_tables}
    made |= {str(index.name) for index in schema.messages.indexes}
    assert made == STORE_MAKES


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/dlp/quarantine.db", "/srv/dlp/quarantine.db"),
        ("sqlite:///var/quarantine.db", "var/quarantine.db"),
        ("sqlite:///", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///q.db?timeout=10", None),
        ("sqlite:///a%20b.db", None),
        ("postgresql://dlp@db/quarantine", None),
    ],
)
def test_only_plain_sqlite_urls_are_read_here(url, path):
    assert sqlite_file(url) == path


def test_escaped_as_sqlalchemy_autoescape():
    assert escaped("a%b_c/d") == "a/%b/_c//d"


def test_every_message_as_the_store_lists_it(filled):
    store, listing = filled
    assert len(store.search()) == 6
    assert listing.search() == store.search()
    assert listing.search(Filters(sort="sender", descending=False)) == store.search(
        Filters(sort="sender", descending=False)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    since=st.none() | st.sampled_from([1_699_999_999, 1_700_000_000, 1_700_007_200]),
    until=st.none() | st.sampled_from([1_700_003_600, 1_700_010_000, 1_800_000_000]),
    sender=st.none() | st.sampled_from(WORDS),
    recipient=st.none() | st.sampled_from(WORDS),
    category=st.none() | st.sampled_from(["identifier", "IDENTIFIER", "HEALTH", "%", ""]),
    rule=st.none() | st.sampled_from(["secrets-outside", "ssn-outside", "_", "zz"]),
    status=st.none() | st.sampled_from(list(Status)),
    digest=st.none() | st.sampled_from(["", "0" * 64]),
    sort=st.sampled_from(SORT_KEYS),
    descending=st.booleans(),
    limit=st.none() | st.integers(-1, 7),
    offset=st.integers(0, 7),
)
def test_any_filters_as_the_store_lists_them(
    filled, since, until, sender, recipient, category, rule, status, digest, sort, descending,
    limit, offset,
):  # fmt: skip
    store, listing = filled
    filters = Filters(
        since=since,
        until=until,
        sender=sender,
        recipient=recipient,
        category=category,
        rule=rule,
        status=status,
        message_id_digest=digest,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
    )
    assert listing.search(filters) == store.search(filters)


def test_a_message_id_digest_as_the_store_finds_it(filled, scans):
    store, listing = filled
    for scan in scans[:3]:
        assert scan.message_id is not None
        filters = Filters(message_id_digest=scan.message_id.digest)
        assert len(store.search(filters)) == 1
        assert listing.search(filters) == store.search(filters)


# --- `dlp quarantine list` ---------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "q.key").write_text(secrets.token_hex(32))
    (tmp_path / "secret.key").write_bytes(os.urandom(32))
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[policy]\nfile = "{SAMPLE_POLICY}"\n'
        '[detection]\nsecret_file = "secret.key"\n'
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        '[audit]\nfile = "audit.log"\ncheckpoint_every = 2\n'
        '[delivery]\nmode = "folder"\nfolder = "out"\n'
    )
    return path


def _store(config: Path) -> QuarantineStore:
    from dlp.quarantine.crypto import parse_key

    key = parse_key((config.parent / "q.key").read_bytes())
    return QuarantineStore.open(f"sqlite:///{config.parent / 'q.db'}", key)


def _listed(capsys, monkeypatch, config: Path, *options: str, fast: bool) -> tuple[int, str]:
    """`dlp quarantine list` through the SQLite reader (``fast``: the store may not search)
    or through the store (the reader is not offered)."""
    with monkeypatch.context() as patch:
        if fast:

            def no_search(*_args: object, **_kwargs: object) -> None:
                raise AssertionError("the store searched")

            patch.setattr(QuarantineStore, "search", no_search)
        else:
            patch.setattr("dlp.quarantine.wiring.open_listing", lambda *_args: None)
        code = main(["quarantine", "--config", str(config), "list", *options])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def _looks(config: Path) -> list[dict[str, object]]:
    """The audit log's entries without what differs from one entry to the next."""
    entries = AuditLog(config.parent / "audit.log").entries()
    return [
        {key: value for key, value in entry.items() if key not in ("seq", "time", "mac", "prev")}
        for entry in entries
    ]


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("--json",),
        ("--sender", "COACH_", "--sort", "sender", "--asc"),
        ("--recipient", "%y@", "--json", "--limit", "2"),
        ("--status", "held", "--category", "identifier"),
        ("--rule", "no-such-rule",),
    ],
)  # fmt: skip
def test_list_prints_and_records_what_the_store_path_does(
    config, policy, scans, capsys, monkeypatch, options
):
    store = _store(config)
    _fill(store, policy, scans)
    store.close()
    fast = _listed(capsys, monkeypatch, config, *options, fast=True)
    full = _listed(capsys, monkeypatch, config, *options, fast=False)
    assert fast == full
    assert fast[0] == 0 and fast[1]
    first, second = _looks(config)
    assert first == second and first["event"] == "quarantine-list"


def test_list_records_the_checkpoint_that_falls_due(config, capsys, monkeypatch):
    _store(config).close()
    for _ in range(4):  # checkpoint_every = 2: after the second and the fourth entry
        assert _listed(capsys, monkeypatch, config, fast=True) == (0, "no messages\n")
    book = CheckpointBook.open(f"sqlite:///{config.parent / 'q.db'}")
    try:
        assert [checkpoint.count for checkpoint in book.checkpoints()] == [2, 4]
    finally:
        book.close()


def test_a_missing_file_is_made_by_the_store(config, capsys):
    assert main(["quarantine", "--config", str(config), "list"]) == 0
    assert capsys.readouterr().out == "no messages\n"
    with sqlite3.connect(config.parent / "q.db") as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert names >= STORE_MAKES


def test_a_missing_table_is_made_by_the_store(config, capsys):
    _store(config).close()
    with sqlite3.connect(config.parent / "q.db") as connection:
        connection.execute("DROP TABLE portal_codes")
    assert SqliteListing.open(f"sqlite:///{config.parent / 'q.db'}") is None
    assert main(["quarantine", "--config", str(config), "list"]) == 0
    assert capsys.readouterr().out == "no messages\n"
    assert SqliteListing.open(f"sqlite:///{config.parent / 'q.db'}") is not None


def test_a_corrupt_file_is_one_clear_error(config, capsys):
    (config.parent / "q.db").write_bytes(b"this is not a database, " * 100)
    assert main(["quarantine", "--config", str(config), "list"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("dlp: cannot open the quarantine at sqlite:///")
    assert "file is not a database" in captured.err and "Traceback" not in captured.err
    assert not (config.parent / "audit.log").exists()  # no look recorded


def test_a_missing_key_is_the_store_paths_error(config, capsys):
    _store(config).close()
    (config.parent / "q.key").unlink()
    assert main(["quarantine", "--config", str(config), "list"]) == 2
    assert "cannot read quarantine key file" in capsys.readouterr().err


def test_cli_imports_no_sqlalchemy():
    assert not any(name.startswith("sqlalchemy") for name in modules_after("import dlp.cli"))


def test_list_imports_no_sqlalchemy_nor_the_policy(config, policy, scans):
    store = _store(config)
    _fill(store, policy, scans)
    store.close()
    modules = modules_after(
        f"from dlp.cli import main\nassert main(['quarantine', '--config', {str(config)!r}, "
        "'list']) == 0"
    )
    assert "dlp.quarantine.sqlite_listing" in modules
    assert not any(name.startswith(("sqlalchemy", "dlp.policy", "dlp.engine")) for name in modules)


@pytest.mark.postgres
def test_a_postgresql_quarantine_is_listed_by_the_store(
    config, postgres_schema_url, policy, scans, capsys
):
    text = config.read_text().replace('url = "sqlite:///q.db"', f'url = "{postgres_schema_url}"')
    config.write_text(text)
    from dlp.quarantine.crypto import parse_key

    store = QuarantineStore.open(
        postgres_schema_url, parse_key((config.parent / "q.key").read_bytes())
    )
    try:
        held = [
            store.hold(
                another(n),
                SENDERS[n],
                list(RECIPIENTS[n]),
                decide(policy, SENDERS[n], RECIPIENTS[n], scan),
                scan,
                "<m@cusd.com>",
            )
            for n, scan in enumerate(scans[:3])
        ]
        expected = [message.to_dict() for message in store.search()]
    finally:
        store.close()
    assert main(["quarantine", "--config", str(config), "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for message in expected:
        message.pop("decision")
    assert listed == expected and {message["id"] for message in listed} == set(held)
    assert not (config.parent / "q.db").exists()
