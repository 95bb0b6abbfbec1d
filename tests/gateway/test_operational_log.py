"""The gateway's operational log never carries a value from a message.

A real `dlp gateway` process at debug level (its most talkative), mail over loopback with
values planted in the body, the Subject and an attachment's name, delivered, held and
refused; then every line it wrote on standard error is searched for each planted value.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from tests.gateway.harness import REPO
from tests.gateway.sink import free_port
from tests.gateway.test_command import events_of, start_gateway, stop_gateway

SSN = "536-22-1234"
STUDENT_ID = "20231234"
NAME = ("Deshawn", "Whitfield")
# Each as written, and the SSN's digits run together as a log might normalize them.
PLANTED = (SSN, SSN.replace("-", ""), STUDENT_ID, *NAME)


def _message(recipient: str, subject: str, body: str, attachment: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "mlopez@cusd.com"
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = "<opslog-test@cusd.com>"
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            f"student_id,ssn\n{STUDENT_ID},{SSN}\n".encode(),
            maintype="text",
            subtype="csv",
            filename=attachment,
        )
    return message


def _gradebook(recipient: str, full_name: str) -> EmailMessage:
    message = _message(recipient, f"grades {full_name}", "The export, to work on at home.", None)
    rows = "".join(
        f"{int(STUDENT_ID) + 37 * i},{NAME[1]}{i},{NAME[0]},3,Algebra I,B+,{70 + i}%\n"
        for i in range(30)
    )
    message.add_attachment(
        ("Student ID,Last Name,First Name,Period,Course,Semester Grade,Percent\n" + rows).encode(),
        maintype="text",
        subtype="csv",
        filename=f"grades_{NAME[1]}_{STUDENT_ID}.csv",
    )
    return message


def test_no_planted_value_reaches_the_operational_log(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[policy]\nfile = "{REPO / "samples" / "policy.toml"}"\n'
        f'[gateway]\nlisten = "127.0.0.1:{port}"\nmetrics_listen = ""\nworkers = 1\n'
        '[delivery]\nmode = "folder"\nfolder = "delivered"\n'
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        '[logging]\nlevel = "debug"\n'
    )
    full_name = " ".join(NAME)
    body = f"Student ID: {STUDENT_ID}. {full_name}'s SSN is {SSN}; the IEP is attached."
    messages = [
        # Inside the district: delivered.
        _message("sped.coordinator@cusd.com", f"IEP for {full_name}", body, None),
        # To a personal address: held (and the sender notified).
        _message(
            "parent.jones1984@gmail.com",
            f"{full_name} {SSN}",
            body,
            f"IEP_{NAME[0]}_{NAME[1]}_{STUDENT_ID}.csv",
        ),
    ]
    log = tmp_path / "stderr.jsonl"
    process = start_gateway(config, log)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for message in messages:
                refused = client.send_message(message)
                assert refused == {}
            # Refused outright (550): a gradebook of many students to a personal address.
            try:
                client.send_message(_gradebook("jsmith.teacher@yahoo.com", full_name))
            except smtplib.SMTPDataError as error:
                assert error.smtp_code == 550
            else:
                raise AssertionError("the gradebook export was not refused")
    finally:
        assert stop_gateway(process) == 0
    text = log.read_text()
    events = events_of(log)
    # Not vacuous: the log did speak of each message, at debug level.
    outcomes = [event.get("verdicts") for event in events if event.get("event") == "message"]
    assert len(outcomes) == 3, text
    assert any(event.get("level") == "debug" for event in events), text
    for value in PLANTED:
        assert value.lower() not in text.lower(), f"{value!r} in the log:\n{text}"
    # The delivered and held copies did carry the values: they were there to be leaked.
    delivered = b"".join(path.read_bytes() for path in (tmp_path / "delivered" / "new").iterdir())
    assert SSN.encode() in delivered
