"""The gateway's checked copy of a roster file (`dlp.roster.snapshot`)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dlp.roster.snapshot import (
    check_version,
    read_info,
    signature,
    take_snapshot,
)
from dlp.roster.store import RosterStore, RosterStoreError

from .conftest import PEOPLE, SECRET


def test_a_snapshot_is_a_checked_copy_named_by_its_hash(tmp_path: Path) -> None:
    live = tmp_path / "roster.npz"
    RosterStore.open(live, SECRET).import_people(PEOPLE, "oneroster", source="https://sis.test")
    private = tmp_path / "private"
    snapshot = take_snapshot(live, SECRET, private)
    data = live.read_bytes()
    assert snapshot.version == hashlib.sha256(data).hexdigest()[:16]
    assert snapshot.path == private / f"roster-{snapshot.version}.npz"
    assert snapshot.path.read_bytes() == data
    assert snapshot.path.stat().st_mode & 0o777 == 0o600
    assert private.stat().st_mode & 0o777 == 0o700
    assert snapshot.signature == signature(live)
    info = snapshot.info
    assert info.source_format == "oneroster" and info.source == "https://sis.test"
    assert info.people == {"student": 7, "staff": 1, "guardian": 1}
    assert info.imported_at is not None
    age = info.age_seconds(info.imported_at + timedelta(days=2))
    assert age == 2 * 86_400
    assert read_info(live) == info
    check_version(snapshot.path, snapshot.version)
    with pytest.raises(RosterStoreError, match="not roster version"):
        check_version(snapshot.path, "0" * 16)
    # The same bytes again: the same copy, kept.
    assert take_snapshot(live, SECRET, private) == snapshot
    assert snapshot.path.is_file()


@pytest.mark.parametrize("problem", ["junk", "secret", "missing", "torn"])
def test_a_bad_file_is_refused_naming_the_live_file(tmp_path: Path, problem: str) -> None:
    live = tmp_path / "roster.npz"
    if problem == "junk":
        live.write_bytes(b"not a roster at all")
    elif problem == "secret":
        RosterStore.open(live, b"another-secret-0123456789abcdef").import_people(PEOPLE, "t")
    elif problem == "torn":
        RosterStore.open(live, SECRET).import_people(PEOPLE, "t")
        live.write_bytes(live.read_bytes()[: live.stat().st_size // 2])
    private = tmp_path / "private"
    with pytest.raises(RosterStoreError) as caught:
        take_snapshot(live, SECRET, private)
    message = str(caught.value)
    assert str(live) in message and str(private) not in message
    assert not private.exists() or list(private.iterdir()) == []
    for person in PEOPLE:
        assert person.name.last not in message and person.local_id not in message


def test_info_of_an_old_roster(tmp_path: Path) -> None:
    live = tmp_path / "roster.npz"
    RosterStore.open(live, SECRET).import_people(PEOPLE, "edfi")
    info = read_info(live)
    assert info.imported_at is not None
    now = datetime.now(UTC)
    assert 0 <= (info.age_seconds(now) or 0) < 600
    assert info.age_seconds(info.imported_at - timedelta(hours=1)) == 0.0  # clock skew
