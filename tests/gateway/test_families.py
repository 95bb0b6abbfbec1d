"""One message to two families through the gateway, over SMTP on loopback: the guardian of the
student it is about gets it, the other family's copy is held (issue 19)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.families import roster as r
from tests.families.roster import family_roster
from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.sink import Sink

SECRET = b"gateway-families-secret-0123456789abcdef"
MESSAGE = (
    f"From: Lisa Harmon <{r.TEACHER}>\r\nTo: {r.ANA}, {r.CHIOMA}\r\nSubject: Report card\r\n"
    "Message-ID: <rc-3001001@cusd.com>\r\n\r\n"
    "Mariana Quintero-Ruiz (student ID 3001001): her report card grades this quarter are B+ in\r\n"
    "Algebra and A- in Biology.\r\n\r\nLisa Harmon\r\n"
).encode()


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def test_one_message_to_two_families_is_decided_per_recipient(tmp_path: Path, sink: Sink) -> None:
    roster = family_roster(tmp_path / "roster.npz", SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    settings = make_settings(tmp_path, next_hop_port=sink.port)
    settings = replace(settings, detection=replace(settings.detection, roster=roster))
    with RunningGateway(settings) as gateway:
        code, reply = gateway.send(MESSAGE, r.TEACHER, [r.ANA, r.CHIOMA])
        assert code == 250, reply
        relayed = [item for item in sink.received if item.sender != "<>"]
        assert [item.recipients for item in relayed] == [[r.ANA]]
        assert b"Mariana" in relayed[0].data  # the original, delivered as sent
        assert gateway.holder is not None
        assert gateway.holder.recipients() == [r.CHIOMA]
    # The audit record names the roster version and each recipient's family facts.
    audit = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    decision = next(entry for entry in audit if entry.get("event") == "gateway-decision")
    by_address = {item["address"]: item for item in decision["recipients"]}
    assert by_address[r.ANA]["verdict"] == "deliver"
    assert "GUARDIAN_OF_ALL" in by_address[r.ANA]["family"]
    assert by_address[r.CHIOMA]["verdict"] == "quarantine"
    assert "another-familys-student" in by_address[r.CHIOMA]["rules"]
    assert "AR7203.E.3" in by_address[r.CHIOMA]["clauses"]
    assert len(decision["roster_version"]) == 16
    assert "Mariana" not in (tmp_path / "audit.log").read_text()
