"""A real gateway in audit mode (every copy delivered) records each decision and counts one
sender's distinct students sent outside: three lists of four students, overlapping, reach six;
the policy's rule on `sender.students_24h >= 6` fires on the third message, and the sixth
student raises the `sender-students-24h` alert at the security staff's sink."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dlp.quarantine import schema
from dlp.quarantine.decisions import DecisionBook
from tests.gateway.harness import REPO, RunningGateway, make_settings
from tests.gateway.sink import Sink
from tests.gateway.test_outbox import wait_for
from tests.policy.test_sender_students import RULE
from tests.quarantine.test_decisions import OUTSIDE, TEACHER, roster_mail

SECURITY = "security@cusd.com"


def test_one_senders_students_over_a_day_raise_one_alert(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        (REPO / "samples" / "policy.toml").read_text().replace('mode = "enforce"', 'mode = "audit"')
        + RULE
    )
    tables = f'[alerts]\nemail = ["{SECURITY}"]\nstudents_24h = 6\n'
    with Sink() as sink:
        settings = make_settings(tmp_path, next_hop_port=sink.port, tables=tables, policy=policy)
        with RunningGateway(settings) as running:
            for n in range(3):
                ids = [20230101 + 37 * (n + k) for k in range(4)]
                code, reply = running.send(roster_mail(ids, n), TEACHER, [OUTSIDE])
                assert code == 250, reply
            wait_for(lambda: any(item.recipients == [SECURITY] for item in sink.received))
        book = DecisionBook.open(settings.quarantine.url)
        try:
            assert book.count() == 3
            with book.engine.connect() as connection:
                rules = [
                    row.rules
                    for row in connection.execute(
                        select(schema.decisions).order_by(schema.decisions.c.id)
                    )
                ]
        finally:
            book.close()
    # The policy's fact: 4, then 5, then 6 students over the day; the rule fires on the third.
    assert ["many-students-over-a-day" in item for item in rules] == [False, False, True]
    assert [item.recipients for item in sink.received].count([OUTSIDE]) == 3
    [alert] = [item.data for item in sink.received if item.recipients == [SECURITY]]
    assert b"6 different students" in alert and TEACHER.encode() in alert
    assert b"20230101" not in alert
