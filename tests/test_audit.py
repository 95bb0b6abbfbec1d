from __future__ import annotations

import gzip
import json
import multiprocessing
import socket
import subprocess
from pathlib import Path

import pytest

from dlp.audit import (
    GENESIS,
    MAX_LINE,
    AuditError,
    AuditLog,
    chain_files,
    entry_hash,
    entry_mac,
    read_lines,
    verify,
)
from dlp.audit_checkpoints import Checkpoint, syslog_handler, syslog_sink
from dlp.model import Category, Finding, Segment


def _append_many(path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(path))
    for index in range(count):
        log.append("view", worker=worker, index=index)


def test_chain_of_entries(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit" / "log.jsonl")
    first = log.append("decision", message_id="<1@cusd.com>", recipients=["a@gmail.com"])
    second = log.append("release", message_id="<1@cusd.com>", by="officer@cusd.com")
    assert (first["seq"], first["prev"]) == (0, GENESIS)
    assert (second["seq"], second["prev"]) == (1, first["mac"])
    assert [entry["event"] for entry in log.entries()] == ["decision", "release"]
    assert verify(log.path).ok and verify(log.path).entries == 2


def test_findings_are_written_as_their_safe_form(tmp_path: Path) -> None:
    finding = Finding("US_SSN", Category.IDENTIFIER, 0, 11, 0.9, "r", "p", "***-**-6789", "abc")
    entry = AuditLog(tmp_path / "log").append("decision", findings=[finding], tags={"b", "a"})
    assert entry["findings"] == [finding.to_dict()]
    assert entry["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "Jane's SSN"}, "takes no content"),
        ({"summary": {"body": "x"}}, "takes no content"),
        ({"attachment": b"\x00\x01"}, "holds clear content"),
        ({"segment": Segment("123-45-6789")}, "takes no content"),
        ({"part": Segment("123-45-6789")}, "holds clear content"),
        ({"note": "x" * 5000}, "is content, not a fact"),
        ({"prev": "0" * 64}, "reserved"),
        ({"when": object()}, "is not audit data"),
    ],
)
def test_refuses_what_could_be_clear_content(tmp_path: Path, fields, message) -> None:
    log = AuditLog(tmp_path / "log")
    with pytest.raises(AuditError, match=message):
        log.append("decision", **fields)
    assert not log.path.exists() or log.path.read_bytes() == b""


@pytest.mark.parametrize(
    ("tamper", "line", "reason"),
    [
        (
            lambda lines: lines.__setitem__(1, lines[1].replace(b'"index":1', b'"index":7')),
            2,
            "content changed",
        ),
        (lambda lines: lines.pop(1), 2, "sequence"),
        (lambda lines: lines.insert(1, lines[1]), 3, "sequence"),  # a replayed entry
        (lambda lines: lines.__setitem__(2, b"{not json"), 3, "not a JSON entry"),
        (
            lambda lines: lines.__setitem__(3, lines[3].replace(b'"index":3', b'"index":4')),
            4,
            "content changed",
        ),
    ],
)
def test_verify_finds_the_first_broken_entry(tmp_path: Path, tamper, line, reason) -> None:
    log = AuditLog(tmp_path / "log")
    for index in range(5):
        log.append("view", index=index)
    lines = log.path.read_bytes().splitlines()
    tamper(lines)
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    result = verify(log.path)
    assert not result.ok
    assert (result.first_bad_line, result.entries) == (line, line - 1)
    assert reason in result.reason


def test_rechained_edit_without_the_key_is_caught(tmp_path: Path) -> None:
    # Rewrite the first entry and recompute the whole chain, as one without the key can:
    # with an unkeyed hash (the old rule) or with a MAC under a guessed key.
    log = AuditLog(tmp_path / "log")
    for index in range(3):
        log.append("view", index=index)
    lines = [json.loads(line) for line in log.path.read_bytes().splitlines()]
    lines[0]["index"] = 99
    prev = GENESIS
    for entry in lines:
        entry["prev"] = prev
        entry["mac"] = entry_mac(b"a guessed key of 32 bytes.......", entry)
        prev = entry["mac"]
    log.path.write_bytes(b"".join(json.dumps(entry).encode() + b"\n" for entry in lines))
    result = verify(log.path)
    assert (result.ok, result.first_bad_line) == (False, 1)
    assert "MAC" in result.reason


def test_concurrent_appends_from_processes_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "log"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 25)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    result = verify(path)
    assert result.ok and result.entries == 100
    entries = AuditLog(path).entries()
    assert sorted((e["worker"], e["index"]) for e in entries) == [
        (w, i) for w in range(4) for i in range(25)
    ]


def test_a_damaged_last_line_is_set_aside_and_the_chain_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"garbage\n")
    entry = AuditLog(path).append("view")
    entries = AuditLog(path).entries()
    assert [item["event"] for item in entries] == ["audit-tail-set-aside", "view"]
    assert entry["seq"] == 1
    (aside,) = tmp_path.glob("log.torn-*")
    assert aside.read_bytes() == b"garbage\n"
    assert verify(path).ok


# --- keyed chain, checkpoints, rotation, bounds (issue 15) ---------------------------------


def _checkpointed(tmp_path: Path, count: int, every: int = 5) -> tuple[AuditLog, list[Checkpoint]]:
    recorded: list[Checkpoint] = []
    log = AuditLog(tmp_path / "audit.log", checkpoint_every=every, sinks=[recorded.append])
    for index in range(count):
        log.append("view", index=index)
    return log, recorded


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _write(path: Path, entries: list[dict[str, object]]) -> None:
    path.write_bytes(b"".join(json.dumps(entry).encode() + b"\n" for entry in entries))


def _rechain(entries: list[dict[str, object]], key: bytes) -> None:
    """Renumber and recompute every MAC, as someone holding ``key`` would."""
    prev = GENESIS
    for seq, entry in enumerate(entries):
        entry["seq"], entry["prev"] = seq, prev
        entry.pop("mac", None)
        entry["mac"] = entry_mac(key, entry)
        prev = str(entry["mac"])


def test_checkpoints_are_signed_every_n_entries(tmp_path: Path) -> None:
    log, recorded = _checkpointed(tmp_path, 10)
    assert [(c.host, c.count) for c in recorded] == [("localhost", 5), ("localhost", 10)]
    public = log.keys.public_key
    assert public is not None and all(c.valid(public) for c in recorded)
    assert recorded[-1].head == _lines(log.path)[-1]["mac"]
    forged = Checkpoint(**{**recorded[-1].to_dict(), "count": 11})
    assert not forged.valid(public)
    result = verify(log.path, log.keys, recorded)
    assert result.ok and (result.count, result.checkpoints, result.unanchored) == (10, 2, 0)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        # Truncated at a line boundary: the chain that is left is sound on its own.
        (lambda lines, key: lines.pop(), "cut off"),
        # Truncated to 0 bytes.
        (lambda lines, key: lines.clear(), "cut off"),
        # The first entries dropped and the rest re-chained by someone holding the chain key.
        (lambda lines, key: (lines.__delitem__(slice(0, 3)), _rechain(lines, key)), "re-chained"),
        # An entry rewritten and the chain recomputed, with the key (an insider).
        (
            lambda lines, key: (lines[2].__setitem__("index", 99), _rechain(lines, key)),
            "rewritten",
        ),
    ],
    ids=["line-boundary", "zero-bytes", "first-dropped-rechained", "rewritten-rechained"],
)
def test_checkpoints_catch_what_the_chain_alone_cannot(tmp_path: Path, tamper, reason) -> None:
    log, recorded = _checkpointed(tmp_path, 10)
    lines = _lines(log.path)
    tamper(lines, log.keys.chain_key)
    _write(log.path, lines)
    assert verify(log.path, log.keys).ok  # the file alone holds together...
    result = verify(log.path, log.keys, recorded)  # ...the signed checkpoints do not
    assert not result.ok and reason in result.reason


def test_a_rewrite_rechained_without_the_key_breaks_at_the_entry(tmp_path: Path) -> None:
    log, recorded = _checkpointed(tmp_path, 6)
    lines = _lines(log.path)
    lines[3]["index"] = 99
    _rechain(lines[3:], b"not the key, but 32 bytes long..")  # a rechain from entry 3 on
    for seq, entry in enumerate(lines[3:], start=3):
        entry["seq"] = seq
    lines[3]["prev"] = lines[2]["mac"]
    _write(log.path, lines)
    result = verify(log.path, log.keys, recorded)
    assert (result.ok, result.first_bad_line) == (False, 4)
    assert "MAC" in result.reason


def test_the_timestamp_is_inside_the_mac(tmp_path: Path) -> None:
    log, _ = _checkpointed(tmp_path, 3)
    lines = _lines(log.path)
    lines[1]["time"] = "2020-01-01T00:00:00.000000+00:00"  # a rewritten time, nothing else
    _write(log.path, lines)
    result = verify(log.path, log.keys)
    assert (result.ok, result.first_bad_line) == (False, 2)
    assert "MAC" in result.reason


def test_rotation_continues_the_chain_across_files(tmp_path: Path) -> None:
    recorded: list[Checkpoint] = []
    log = AuditLog(tmp_path / "audit.log", rotate_bytes=1500, sinks=[recorded.append])
    for index in range(30):
        log.append("view", index=index)
    files = chain_files(log.path)
    assert len(files) >= 4 and files[-1] == log.path
    # logrotate with compress: an older file gzipped; and one more rotation by rename.
    older = files[-3]
    older.with_name(older.name + ".gz").write_bytes(gzip.compress(older.read_bytes()))
    older.unlink()
    log.path.rename(log.path.with_name("audit.log.0"))  # renamed away by hand...
    log.path.with_name("audit.log.0").rename(log.path)  # ...and back: nothing changes
    log.append("after")
    files = chain_files(log.path)
    assert any(file.name.endswith(".gz") for file in files)
    first_of_live = _lines(log.path)[0]
    last_before = [json.loads(line) for line in read_lines(files[-2])]
    assert first_of_live["prev"] == last_before[-1]["mac"]
    result = verify(log.path, log.keys, recorded)
    assert result.ok and result.count == 31 and result.entries == 31
    # The oldest file deleted (logrotate's "rotate N"): the checkpoint made when the next file
    # began vouches for what is gone; without it, the missing start is reported.
    files[0].unlink()
    assert verify(log.path, log.keys, recorded).ok
    assert verify(log.path, log.keys, recorded).first_seq > 0
    missing = verify(log.path, log.keys)
    assert not missing.ok and "missing" in missing.reason


def _old_log(path: Path) -> list[dict[str, object]]:
    """A log as written before keyed chains: unkeyed SHA-256 hashes."""
    old: list[dict[str, object]] = []
    prev = GENESIS
    for seq in range(3):
        entry: dict[str, object] = {"seq": seq, "time": "2025-01-01", "event": "old", "prev": prev}
        entry["hash"] = entry_hash(entry)
        prev = str(entry["hash"])
        old.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, old)
    return old


def test_a_log_from_before_keyed_chains_is_continued(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    old = _old_log(path)
    log = AuditLog(path)
    first_keyed = log.append("new")
    assert (first_keyed["seq"], first_keyed["prev"]) == (3, old[-1]["hash"])
    result = verify(path)
    assert result.ok and (result.entries, result.legacy) == (4, 3)
    # The old part rewritten and re-hashed by the old rule: the keyed entry no longer follows.
    old[0]["event"] = "forged"
    prev = GENESIS
    for entry in old:
        entry["prev"] = prev
        entry["hash"] = entry_hash(entry)
        prev = str(entry["hash"])
    _write(path, [*old, first_keyed])
    result = verify(path)
    assert (result.ok, result.first_bad_line) == (False, 4)


def test_an_audit_line_is_bounded(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")
    findings = [{"entity_type": "PHONE", "masked": f"***-***-{i:04d}"} for i in range(100_000)]
    entry = log.append("gateway-decision", findings=findings, note="x" * 2000)
    line = log.path.read_bytes()
    assert len(line) <= MAX_LINE
    kept = entry["findings"]
    assert isinstance(kept, list) and kept[-1] == {"omitted": 100_000 - (len(kept) - 1)}
    assert kept[0] == findings[0] and entry["note"] == "x" * 2000
    assert verify(log.path).ok


def test_checkpoints_go_to_syslog(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(10)
        port = receiver.getsockname()[1]
        handler = syslog_handler(f"127.0.0.1:{port}")
        try:
            log = AuditLog(tmp_path / "audit.log", sinks=[syslog_sink(handler)], host="gw1")
            log.append("view")
            sent = log.checkpoint()
            datagram = receiver.recv(65536).decode()
        finally:
            handler.close()
    assert sent is not None and "dlp-audit: checkpoint" in datagram
    body = json.loads(datagram.split("checkpoint ", 1)[1].rstrip("\x00"))
    assert Checkpoint.from_dict(body) == sent and body["host"] == "gw1"


def test_dlp_audit_verify_wants_the_key_of_a_keyed_log_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlp.cli import main

    monkeypatch.chdir(tmp_path)  # no var/audit.key here
    path = tmp_path / "logs" / "audit.log"
    _old_log(path)
    assert main(["audit", "verify", str(path)]) == 0
    assert "3 entries from before keyed chains" in capsys.readouterr().out
    AuditLog(path).append("new")  # the keyed chain starts; its keys beside the log
    key = tmp_path / "apart.key"
    (path.parent / "audit.key").rename(key)
    assert main(["audit", "verify", str(path)]) == 2
    assert "give --key FILE" in capsys.readouterr().err
    assert main(["audit", "verify", str(path), "--key", str(key)]) == 0
    assert "ok, 4 entries, chain intact" in capsys.readouterr().out


def test_an_auditor_checks_with_openssl_alone(tmp_path: Path) -> None:
    # The MAC is plain HMAC-SHA256 and the checkpoint a plain Ed25519 signature: both check
    # out with openssl and the documented inputs, without this code.
    log, recorded = _checkpointed(tmp_path, 5)
    entry = _lines(log.path)[-1]
    unsigned = {key: value for key, value in entry.items() if key != "mac"}
    body = (
        b"k12-dlp audit v2\n"
        + json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    mac = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-mac",
            "HMAC",
            "-macopt",
            f"hexkey:{log.keys.chain_key.hex()}",
        ],
        input=body,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert mac.strip().endswith(str(entry["mac"]))
    (checkpoint,) = recorded
    (tmp_path / "public.pem").write_bytes(log.keys.public_pem())
    (tmp_path / "payload").write_bytes(checkpoint.payload())
    (tmp_path / "signature").write_bytes(bytes.fromhex(checkpoint.signature))
    command = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "public.pem"),
        "-rawin",
        "-in",
        str(tmp_path / "payload"),
        "-sigfile",
        str(tmp_path / "signature"),
    ]
    assert subprocess.run(command, capture_output=True).returncode == 0
    (tmp_path / "payload").write_bytes(checkpoint.payload().replace(b'"count":5', b'"count":6'))
    assert subprocess.run(command, capture_output=True).returncode != 0
