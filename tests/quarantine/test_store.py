"""The store against real SQLite and real PostgreSQL: the same tests, one code path."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from sqlalchemy import select, update

from dlp.quarantine import schema
from dlp.quarantine.records import Filters, Status
from dlp.quarantine.store import (
    IntegrityError,
    NotFound,
    QuarantineError,
    QuarantineStore,
    StateError,
)
from dlp.web.account_store import AccountStore
from tests.quarantine.conftest import KEY, MESSAGE, OUTSIDE, SENDER, another


def _hold(store, held_decision, held_scan, raw=MESSAGE, sender=SENDER, recipients=(OUTSIDE,)):
    return store.hold(
        raw, sender, list(recipients), held_decision, held_scan, "<roster-1@cusd.com>"
    )


def test_hold_stores_encrypted_bytes_and_masked_findings(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    message = store.get(held)
    assert message.status is Status.HELD
    assert message.sender == SENDER
    assert message.recipients == (OUTSIDE,)
    assert message.sha256 == hashlib.sha256(MESSAGE).hexdigest()
    assert message.size == len(MESSAGE)
    assert "IDENTIFIER" in message.categories
    assert "secrets-outside" in message.rules
    assert message.expires - message.received == 365 * 86_400
    with store.engine.connect() as connection:
        blob = connection.execute(select(schema.blobs)).one()
        dumped = b"".join(
            str(value).encode() if not isinstance(value, bytes | memoryview) else bytes(value)
            for table in schema.metadata.sorted_tables
            for row in connection.execute(select(table))
            for value in row
        )
    assert b"536-22-1234" not in bytes(blob.ciphertext)
    assert b"536-22-1234" not in dumped and b"Student SSN" not in dumped
    assert store.content(held) == MESSAGE
    findings = store.findings(held)
    assert [item.entity_type for item in findings] == [f.entity_type for f in held_scan.findings]
    ssn = findings[0]
    assert ssn.masked == "***-**-1234" and ssn.location == "message / body"
    assert (ssn.start, ssn.end) == (held_scan.findings[0].start, held_scan.findings[0].end)
    assert {rule.rule for rule in ssn.rules} >= {"secrets-outside"}
    assert all(rule.clauses for rule in ssn.rules)


def test_tampered_ciphertext_and_swapped_rows_are_caught(store, held_decision, held_scan):
    first = _hold(store, held_decision, held_scan)
    second = _hold(store, held_decision, held_scan, raw=MESSAGE + b"more\r\n")
    with store.engine.begin() as connection:
        row = connection.execute(select(schema.blobs).where(schema.blobs.c.held_id == first)).one()
        flipped = bytearray(row.ciphertext)
        flipped[10] ^= 1
        connection.execute(
            update(schema.blobs)
            .where(schema.blobs.c.held_id == first)
            .values(ciphertext=bytes(flipped))
        )
        other = connection.execute(
            select(schema.blobs).where(schema.blobs.c.held_id == second)
        ).one()
    with pytest.raises(IntegrityError, match="tampered"):
        store.content(first)
    # A valid ciphertext of another message, copied onto this row, does not open here.
    with store.engine.begin() as connection:
        connection.execute(
            update(schema.blobs)
            .where(schema.blobs.c.held_id == first)
            .values(nonce=other.nonce, ciphertext=other.ciphertext)
        )
    with pytest.raises(IntegrityError):
        store.content(first)
    assert store.content(second) == MESSAGE + b"more\r\n"


def test_hash_mismatch_is_caught(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    with store.engine.begin() as connection:
        connection.execute(
            update(schema.messages).where(schema.messages.c.id == held).values(sha256="0" * 64)
        )
    with pytest.raises(IntegrityError, match="hash"):
        store.content(held)


def test_filters_and_sorting(store, held_decision, held_scan):
    a = _hold(store, held_decision, held_scan, sender="alice@cusd.com")
    b = _hold(
        store, held_decision, held_scan, sender="bob@cusd.com", recipients=["X@Vendor.example"]
    )
    with store.engine.begin() as connection:
        connection.execute(
            update(schema.messages).where(schema.messages.c.id == a).values(received=1000)
        )
    assert [m.id for m in store.search()] == [b, a]
    assert [m.id for m in store.search(Filters(descending=False))] == [a, b]
    assert [m.id for m in store.search(Filters(sender="ALICE"))] == [a]
    assert [m.id for m in store.search(Filters(recipient="vendor.example"))] == [b]
    assert [m.id for m in store.search(Filters(since=2000))] == [b]
    assert store.count(Filters(category="identifier")) == 2
    assert store.count(Filters(category="HEALTH")) == 0
    assert store.count(Filters(rule="secrets-outside")) == 2
    assert store.count(Filters(rule="secrets")) == 0  # whole names only
    store.transition(a, [Status.HELD], Status.REJECTED, "rev", "no")
    assert [m.id for m in store.search(Filters(status=Status.HELD))] == [b]
    assert len(store.search(Filters(limit=1))) == 1
    with pytest.raises(ValueError, match="sort by"):
        Filters(sort="sha256; drop table")


def test_transition_is_compare_and_set(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    results: list[str] = []

    def claim() -> None:
        try:
            store.transition(held, [Status.HELD], Status.RELEASING, "reviewer")
            results.append("won")
        except StateError:
            results.append("lost")

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["lost"] * 5 + ["won"]
    with pytest.raises(NotFound):
        store.transition("nope", [Status.HELD], Status.RELEASED, "x")


def test_concurrent_holds_from_threads(store, held_decision, held_scan):
    ids: list[str] = []
    lock = threading.Lock()

    def hold(first: int) -> None:
        for n in range(first, first + 5):
            held = _hold(store, held_decision, held_scan, raw=another(n))
            with lock:
                ids.append(held)

    threads = [threading.Thread(target=hold, args=(n * 5,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 20
    assert store.count() == 20
    assert {store.content(held) for held in ids} == {another(n) for n in range(20)}


def test_delete_destroys_bytes_and_respects_legal_hold(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    store.set_legal_hold(held, True, "admin")
    with pytest.raises(StateError, match="legal hold"):
        store.destroy(held, "rev", "gone")
    store.set_legal_hold(held, False, "admin")
    store.destroy(held, "rev", "gone")
    message = store.get(held)
    assert message.status is Status.DELETED and message.note == "gone"
    with pytest.raises(StateError, match="no stored content"):
        store.content(held)
    assert store.findings(held)  # masked findings stay for the record
    with pytest.raises(StateError):
        store.set_legal_hold(held, True, "admin")


def test_key_rotation(store_url, held_decision, held_scan):
    old_key, new_key = b"o" * 32, b"n" * 32
    with_old = QuarantineStore.open(store_url, old_key)
    held = _hold(with_old, held_decision, held_scan)
    with_old.close()
    without_old = QuarantineStore.open(store_url, new_key)
    with pytest.raises(IntegrityError, match="not loaded"):
        without_old.content(held)
    without_old.close()
    rotating = QuarantineStore.open(store_url, new_key, old_keys=[old_key])
    assert rotating.content(held) == MESSAGE
    assert rotating.rotate() == 1
    assert rotating.rotate() == 0
    rotating.close()
    after = QuarantineStore.open(store_url, new_key)
    assert after.content(held) == MESSAGE
    after.close()


def test_false_positives_and_accounts(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    finding = store.findings(held)[0]
    store.record_false_positive(held, finding.digest, finding.entity_type, "rev", "test data")
    recorded = store.false_positives()
    assert recorded[0]["digest"] == finding.digest and recorded[0]["recorded_by"] == "rev"
    # The web application's accounts live in the same database, through their own module.
    accounts = AccountStore(store.engine)
    accounts.put_account("ann", "hash1", "viewer")
    accounts.put_account("ann", "hash2", "admin")
    account = accounts.account("ann")
    assert account is not None and account.password_hash == "hash2" and account.role == "admin"
    assert accounts.set_account_disabled("ann", True)
    assert accounts.account("ann").disabled
    assert accounts.account("nobody") is None


def test_retention_below_minimum_and_bad_urls(tmp_path):
    with pytest.raises(QuarantineError, match="90-day minimum"):
        QuarantineStore.open(f"sqlite:///{tmp_path}/q.db", KEY, retention_days=30)
    with pytest.raises(QuarantineError, match="must start with"):
        QuarantineStore.open("mysql://x/y", KEY)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        QuarantineStore.open(f"sqlite:///{tmp_path}/q.db", b"short")


def test_sqlite_is_wal_and_fully_synchronous(tmp_path):
    store = QuarantineStore.open(f"sqlite:///{tmp_path}/q.db", KEY)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()


def test_expired_excludes_legal_hold(store, held_decision, held_scan):
    a = _hold(store, held_decision, held_scan)
    b = _hold(store, held_decision, held_scan, raw=another(1))
    later = int(time.time()) + 366 * 86_400
    store.set_legal_hold(b, True, "admin")
    assert store.expired(later) == [a]
    assert store.expired() == []


def test_filter_values_are_substrings_not_like_patterns(store, held_decision, held_scan):
    underscore = _hold(store, held_decision, held_scan, sender="a_b@cusd.com")
    plain = _hold(store, held_decision, held_scan, sender="axb@cusd.com")
    percent = _hold(store, held_decision, held_scan, recipients=["100%off@shop.example"])
    assert [m.id for m in store.search(Filters(sender="a_b"))] == [underscore]
    assert store.count(Filters(sender="%")) == 0
    assert store.count(Filters(sender="a%b")) == 0
    assert [m.id for m in store.search(Filters(recipient="0%o"))] == [percent]
    assert store.count(Filters(recipient="_")) == 0
    assert store.count(Filters(rule="secrets_outside")) == 0  # "_" is not "-"
    assert store.count(Filters(rule="%")) == 0
    assert store.count(Filters(category="IDENT_FIER")) == 0
    assert [m.id for m in store.search(Filters(sender="axb"))] == [plain]


def test_destroy_only_from_allowed_states_keeps_status(store, held_decision, held_scan):
    released = _hold(store, held_decision, held_scan)
    held = _hold(store, held_decision, held_scan, raw=another(1))
    store.transition(released, [Status.HELD], Status.RELEASED, "rev", "fine")
    with pytest.raises(StateError, match="released: cannot become deleted"):
        store.destroy(released, "rev", "cleanup", allowed=[Status.HELD])
    message = store.get(released)
    assert message.status is Status.RELEASED and message.status_by == "rev"
    assert store.content(released) == MESSAGE
    store.destroy(held, "rev", "cleanup", allowed=[Status.HELD])
    assert store.get(held).status is Status.DELETED


def test_false_positives_carry_the_masked_preview(store, held_decision, held_scan):
    held = _hold(store, held_decision, held_scan)
    finding = store.findings(held)[0]
    store.record_false_positive(held, finding.digest, finding.entity_type, "rita", "test data")
    store.record_false_positive(held, "0" * 32, "US_SSN", "rita", "no such finding")
    first, second = store.false_positives()
    assert first["masked"] == finding.masked == "***-**-1234"
    assert first["digest"] == finding.digest and first["recorded_by"] == "rita"
    assert second["masked"] == ""


def test_the_same_message_held_again_is_merged(store, held_decision, held_scan):
    """A gateway killed after holding, before its 250, gets the message again: one hold, the
    union of the recipients, one decision for a reviewer to make."""
    other = "parent@mail.example"
    first = _hold(store, held_decision, held_scan, recipients=[OUTSIDE])
    again = _hold(store, held_decision, held_scan, recipients=[OUTSIDE.upper(), other])
    assert again == first
    assert store.count() == 1
    message = store.get(first)
    assert message.recipients == (OUTSIDE, other)
    assert [f.position for f in store.findings(first)] == list(range(len(held_scan.findings)))
    assert store.content(first) == MESSAGE
    assert store.search(Filters(recipient="parent@"))[0].id == first


def test_a_merged_hold_carries_the_new_recipients_verdicts(store, policy, held_scan, held_decision):
    from dlp.policy import decide

    other = "parent@mail.example"
    first = _hold(store, held_decision, held_scan)
    second_decision = decide(policy, SENDER, [OUTSIDE, other], held_scan)
    assert _hold(store, second_decision, held_scan, recipients=[OUTSIDE, other]) == first
    verdicts = [item["address"] for item in store.get(first).decision["recipients"]]
    assert verdicts == [OUTSIDE, other]  # the first recipient's verdict is not repeated


@pytest.mark.parametrize(
    "differs",
    ["sender", "content", "released"],
)
def test_holds_that_are_not_the_same_message_stay_apart(store, held_decision, held_scan, differs):
    first = _hold(store, held_decision, held_scan)
    if differs == "released":  # a decision made: the next copy is a new case
        store.transition(first, [Status.HELD], Status.RELEASED, "rev", "fine")
    second = _hold(
        store,
        held_decision,
        held_scan,
        sender="other@cusd.com" if differs == "sender" else SENDER,
        raw=another(1) if differs == "content" else MESSAGE,
        recipients=["parent@mail.example"],
    )
    assert second != first
    assert store.get(first).recipients == (OUTSIDE,)
    assert store.get(second).recipients == ("parent@mail.example",)


def test_the_same_message_held_at_once_from_threads_is_one_hold(store, held_decision, held_scan):
    ids: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def hold(n: int) -> None:
        start.wait()
        held = _hold(store, held_decision, held_scan, recipients=[f"r{n}@mail.example"])
        with lock:
            ids.append(held)

    threads = [threading.Thread(target=hold, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and store.count() == 1
    assert sorted(store.get(ids[0]).recipients) == [f"r{n}@mail.example" for n in range(6)]
