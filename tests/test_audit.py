from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from dlp.audit import GENESIS, AuditError, AuditLog, verify
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
    assert (second["seq"], second["prev"]) == (1, first["hash"])
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


def test_rehashed_edit_still_breaks_the_chain(tmp_path: Path) -> None:
    from dlp.audit import entry_hash

    log = AuditLog(tmp_path / "log")
    for index in range(3):
        log.append("view", index=index)
    lines = log.path.read_bytes().splitlines()
    forged = json.loads(lines[0])
    forged["index"] = 99
    forged["hash"] = entry_hash(forged)
    lines[0] = json.dumps(forged).encode()
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    result = verify(log.path)
    assert (result.ok, result.first_bad_line) == (False, 2)


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


def test_refuses_to_continue_a_damaged_log(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"garbage\n")
    with pytest.raises(AuditError, match="damaged"):
        AuditLog(path).append("view")
