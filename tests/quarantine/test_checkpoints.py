"""The audit chain's signed checkpoints in the quarantine database, SQLite and PostgreSQL, one
chain per host; `dlp audit verify` for the district and for an auditor with the public key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlp.audit import AuditLog, verify
from dlp.audit_checkpoints import Checkpoint
from dlp.audit_keys import AuditKeys
from dlp.audit_verify import check_host_checkpoints
from dlp.cli import main
from dlp.quarantine.checkpoints import CheckpointBook


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'q.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


def _hosts(tmp_path: Path, book: CheckpointBook) -> dict[str, AuditLog]:
    keys = AuditKeys.beside(tmp_path / "keys")  # the district's keys, copied to each gateway
    logs = {
        host: AuditLog(
            tmp_path / host / "audit.log",
            keys,
            host=host,
            checkpoint_every=3,
            sinks=[book.record],
        )
        for host in ("gw1", "gw2")
    }
    for index in range(7):
        for log in logs.values():
            log.append("view", index=index)
    for log in logs.values():
        log.checkpoint()  # as at a gateway's stop
    return logs


def test_each_host_anchors_its_own_chain(url: str, tmp_path: Path) -> None:
    book = CheckpointBook.open(url)
    try:
        logs = _hosts(tmp_path, book)
        book.record(book.checkpoints("gw1")[-1])  # the same checkpoint twice is stored once
        for host, log in logs.items():
            mine = book.checkpoints(host)
            assert [c.count for c in mine] == [3, 6, 7]
            assert {c.host for c in mine} == {host}
            assert mine[-1].head == log.entries()[-1]["mac"]
            result = verify(log.path, log.keys, mine)
            assert result.ok and (result.checkpoints, result.unanchored) == (3, 0)
            public = log.keys.public_key
            assert public is not None and check_host_checkpoints(mine, public) is None
        # gw2 loses its last entry: its own checkpoints show it; gw1's chain is untouched.
        gw2 = logs["gw2"].path
        gw2.write_bytes(b"".join(gw2.read_bytes().splitlines(keepends=True)[:-1]))
        lost = verify(gw2, logs["gw2"].keys, book.checkpoints("gw2"))
        assert not lost.ok and "cut off" in lost.reason
        assert verify(logs["gw1"].path, logs["gw1"].keys, book.checkpoints("gw1")).ok
    finally:
        book.close()


def test_a_chain_started_over_shows_in_the_checkpoints_alone(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = CheckpointBook.open(url)
    try:
        log = _hosts(tmp_path, book)["gw1"]
        public = log.keys.public_key
        assert public is not None
        log.path.unlink()  # the log removed; the gateway starts a new chain
        later = book.checkpoints("gw1")[-1].time + 60
        monkeypatch.setattr("dlp.audit_checkpoints.time.time", lambda: later)
        for index in range(3):
            log.append("view", index=index)
        problem = check_host_checkpoints(book.checkpoints("gw1"), public)
        assert problem is not None and "started over" in problem
        # A checkpoint altered in the database fails its signature.
        forged = Checkpoint(**{**book.checkpoints("gw2")[-1].to_dict(), "count": 99})
        problem = check_host_checkpoints([forged], public)
        assert problem is not None and "bad signature" in problem
    finally:
        book.close()


def _settings(tmp_path: Path, url: str, name: str, key_file: str) -> Path:
    path = tmp_path / name
    path.write_text(
        '[detection]\nsecret_file = "keys/secret.key"\n'
        f'[quarantine]\nurl = "{url}"\nkey_file = "q.key"\n'
        f'[audit]\nfile = "gw1/audit.log"\nkey_file = "{key_file}"\n'
        'signing_key_file = "keys/audit-signing.key"\nhost = "gw1"\n'
    )
    return path


def test_dlp_audit_verify_for_the_district_and_for_an_auditor(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = CheckpointBook.open(url)
    try:
        logs = _hosts(tmp_path, book)
    finally:
        book.close()
    district = _settings(tmp_path, url, "gateway.toml", "keys/audit.key")
    assert main(["audit", "verify", "--config", str(district)]) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out and f"count 7, head {logs['gw1'].entries()[-1]['mac']}" in out
    assert "3 checkpoints of host 'gw1' match" in out
    assert "host gw2: 3 checkpoints, last 7 entries" in out and "signatures good" in out
    logs["gw1"].append("view", index=7)  # after the last checkpoint: one entry unanchored
    assert main(["audit", "checkpoint", "--config", str(district)]) == 0
    assert "host gw1, 8 entries" in capsys.readouterr().out
    assert main(["audit", "public-key", "--config", str(district)]) == 0
    public = tmp_path / "audit-public.pem"
    public.write_text(capsys.readouterr().out)
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    # The auditor has the database, the log and the public key; not the chain key.
    auditor = _settings(tmp_path, url, "auditor.toml", "no-such.key")
    argv = ["audit", "verify", "--config", str(auditor), "--public-key", str(public)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "MACs not checked" in out and "signatures good" in out
    log = logs["gw1"].path
    log.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:-2]))
    assert main(argv) == 1
    assert "entries were cut off" in capsys.readouterr().out
    log.write_bytes(b"")  # truncated to 0 bytes
    assert main(argv) == 1
    assert "the log holds 0" in capsys.readouterr().out


def test_dlp_audit_rotate_continues_the_chain(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The deployment's monthly rotation (deploy/systemd/dlp-audit-rotate.timer): the live
    file moves to ``.1`` and the next entry starts a new file continuing the chain."""
    book = CheckpointBook.open(url)
    try:  # open to the end: the logs' checkpoints go through it
        logs = _hosts(tmp_path, book)
        district = _settings(tmp_path, url, "gateway.toml", "keys/audit.key")
        assert main(["audit", "rotate", "--config", str(district)]) == 0
        assert "holds the chain up to entry 7" in capsys.readouterr().out
        live = logs["gw1"].path
        assert live.with_name(live.name + ".1").exists() and not live.exists()
        logs["gw1"].append("view", index=7)
        assert main(["audit", "verify", "--config", str(district)]) == 0
        out = capsys.readouterr().out
        assert "chain intact" in out and "count 8" in out
    finally:
        book.close()
