"""A Message-ID and an attachment name carry protected values: a real message through a real
gateway (roster configured) into the SQLite quarantine leaves them nowhere in clear, and staff
still find the message by its whole Message-ID."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dlp.cli import main
from dlp.identifiers import message_id_digest
from dlp.quarantine.crypto import parse_key
from dlp.quarantine.records import Filters
from dlp.quarantine.store import QuarantineStore
from smtp_gateway.logs import JsonFormatter
from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.sink import Sink
from tests.roster.one_student import one_student_roster

SECRET = b"gateway-names-secret-0123456789abcdef"
MESSAGE_ID = "<ssn.536-29-0555@mail.cusd.com>"
MESSAGE = (
    b"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: Thursday\r\n"
    b"Message-ID: " + MESSAGE_ID.encode() + b"\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
    b"Content-Type: text/plain\r\n\r\nHer IEP accommodations are attached.\r\n--XX\r\n"
    b"Content-Type: text/csv\r\n"
    b'Content-Disposition: attachment; filename="IEP_Marisol Quintanilla.csv"\r\n\r\n'
    b"goal,minutes\r\nreading,30\r\n--XX--\r\n"
)
# Each in the forms a careless record would hold it.
CLEAR = ("536-29-0555", "536290555", "Marisol", "Quintanilla", "ssn.536")


@pytest.fixture
def gateway_log(tmp_path: Path) -> Iterator[Path]:
    """The gateway's operational JSON log, as `dlp gateway` writes it, into a file."""
    path = tmp_path / "gateway.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("smtp_gateway", "dlp")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield path
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
    handler.close()


def _assert_nowhere(path: Path) -> None:
    data = path.read_bytes()
    for value in CLEAR:
        for encoded in (value.encode(), value.lower().encode(), value.encode("utf-16-le")):
            assert encoded not in data, f"{value!r} is in clear in {path.name}"


def test_message_id_and_attachment_name_are_kept_masked(
    tmp_path: Path, gateway_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.npz"
    one_student_roster(roster, SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    with Sink() as sink:
        settings = make_settings(tmp_path, next_hop_port=sink.port)
        settings = replace(settings, detection=replace(settings.detection, roster=roster))
        with RunningGateway(settings) as gateway:
            code, reply = gateway.send(MESSAGE, "mlopez@cusd.com", ["tutor@gmail.com"])
            assert code == 250, reply
            assert gateway.holder is not None
            assert gateway.holder.recipients() == ["tutor@gmail.com"]

    key = parse_key(settings.quarantine.key_file.read_bytes())
    store = QuarantineStore.open(settings.quarantine.url, key)
    try:
        [held] = store.search(Filters())
        assert held.message_id == "<ssn.***-**-####@mail.cusd.com>"
        locations = {finding.location for finding in store.findings(held.id)}
        assert "message / IEP_M****** Q**********.csv / file name" in locations
        assert "message / Message-ID" in locations  # the SSN in it is a finding like any
        digest = message_id_digest(SECRET, MESSAGE_ID)
        assert [m.id for m in store.search(Filters(message_id_digest=digest))] == [held.id]
        other = message_id_digest(SECRET, "<ssn.536-29-0556@mail.cusd.com>")
        assert store.search(Filters(message_id_digest=other)) == []
        decision = json.dumps(held.decision)
        assert "IEP_M****** Q**********.csv" in decision
    finally:
        store.close()

    audit = tmp_path / "audit.log"
    [entry] = [
        json.loads(line) for line in audit.read_text().splitlines() if '"gateway-decision"' in line
    ]
    assert entry["message_id"] == held.message_id
    assert entry["message_id_digest"] == digest
    database = Path(settings.quarantine.url.removeprefix("sqlite:///"))
    for path in (audit, gateway_log, database, *database.parent.glob("quarantine.db-*")):
        _assert_nowhere(path)
    assert '"message_id": "<ssn.***-**-####@mail.cusd.com>"' in gateway_log.read_text()

    # Staff search by the whole value, from the command line, under the settings' secret.
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{settings.policy_file}"\n[detection]\nsecret_file = "secret.key"\n'
        '[quarantine]\nurl = "sqlite:///quarantine.db"\nkey_file = "quarantine.key"\n'
        '[audit]\nfile = "audit.log"\n'
    )
    capsys.readouterr()
    assert (
        main(["quarantine", "--config", str(config), "list", "--json", "--message-id", MESSAGE_ID])
        == 0
    )
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [held.id]
    assert (
        main(
            [
                "quarantine",
                "--config",
                str(config),
                "list",
                "--json",
                "--message-id",
                "<other@mail.cusd.com>",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == ""
    _assert_nowhere(audit)
