"""The gateway with the district's roster configured: a student named in a message, with no
ID anywhere, is known to be a student, and the policy holds the external copy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore
from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.sink import Sink
from tests.roster.one_student import one_student_roster

SECRET = b"gateway-roster-secret-0123456789abcdef"
# The IEP terms a paragraph away from the name: without the roster, the shipped name lists
# find the name but not beside a student term (the sample policy's near()), so only the roster
# says she is a student.
MESSAGE = (
    b"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: Thursday\r\n\r\n"
    b"Marisol Quintanilla will take the quiz on Thursday.\r\n\r\n"
    b"Her IEP accommodations apply: extended time and a reader.\r\n"
)


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def _gateway(tmp: Path, sink: Sink, roster: Path | None) -> RunningGateway:
    (tmp / "secret.key").write_bytes(SECRET)
    settings = make_settings(tmp, next_hop_port=sink.port)
    return RunningGateway(replace(settings, detection=replace(settings.detection, roster=roster)))


def test_roster_student_named_with_iep_terms_is_held(tmp_path: Path, sink: Sink) -> None:
    roster = tmp_path / "roster.npz"
    one_student_roster(roster, SECRET)
    (tmp_path / "without").mkdir()
    with _gateway(tmp_path / "without", sink, None) as plain:
        code, reply = plain.send(MESSAGE, "mlopez@cusd.com", ["tutor@gmail.com"])
        assert code == 250, reply
        assert [item.recipients for item in sink.received] == [["tutor@gmail.com"]]
    sink.handler.received.clear()
    (tmp_path / "with").mkdir()
    with _gateway(tmp_path / "with", sink, roster) as gateway:
        code, reply = gateway.send(MESSAGE, "mlopez@cusd.com", ["tutor@gmail.com"])
        assert code == 250, reply
        assert gateway.holder is not None
        assert gateway.holder.recipients() == ["tutor@gmail.com"]
        relayed = [item for item in sink.received if item.sender != "<>"]
        assert relayed == []


def test_a_roster_under_another_secret_stops_the_start(tmp_path: Path, sink: Sink) -> None:
    roster = tmp_path / "roster.npz"
    RosterStore.open(roster, b"some-other-secret-0123456789abcdef").import_people(
        [Person(Role.STUDENT, "4512345", PersonName("Marisol", "Quintanilla"))], "test"
    )
    with pytest.raises(ValueError, match="different secret"), _gateway(tmp_path, sink, roster):
        pass
