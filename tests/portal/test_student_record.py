"""Issue 23 with the families' record: a roster student's IEP, sealed by the gateway for pickup
by the student's mother, viewed and downloaded through the portal `dlp portal` builds
(`dlp.portal.wiring.build_service`): each leaves an entry in the per-student disclosure record
(basis "parent", the recipient, the time), and `dlp disclosures --student ID` lists them."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from anyio.from_thread import start_blocking_portal

from dlp.actions.disclosures import Basis
from dlp.actions.outbox import Outbox
from dlp.actions.step import ActionStep
from dlp.audit import AuditLog
from dlp.delivery import deliver
from dlp.policy import load_policy
from dlp.portal.app import create_portal_app
from dlp.portal.wiring import build_service, open_store
from dlp.quarantine.disclosures import DisclosureStore
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import bind
from tests.families import roster as r
from tests.families.conftest import SECRET
from tests.families.roster import family_roster
from tests.gateway.harness import REPO, RunningGateway, make_settings
from tests.gateway.sink import Sink
from tests.portal.conftest import PUBLIC_URL, Client, csrf_of, portal_policy

_CODE = re.compile(r"\b(\d{6})\b")
_ATTACHMENT = b"IEP draft: reading goals, accommodations (extended time, a reader).\n" * 20


def _iep() -> bytes:
    message = email.message.EmailMessage()
    message["From"] = r.TEACHER
    message["To"] = r.ANA
    message["Subject"] = "Draft IEP for the annual review"
    message["Message-ID"] = "<iep-3001001@cusd.com>"
    message.set_content(
        "Mariana Quintero-Ruiz (student ID 3001001): her IEP accommodations for the annual "
        "review, extended time and a reader. Special education services continue.\n"
    )
    message.add_attachment(
        _ATTACHMENT, maintype="application", subtype="octet-stream", filename="IEP draft.txt"
    )
    return message.as_bytes(policy=email.policy.SMTP)


def _mails(sink: Sink, to: str, subject: str) -> list[email.message.EmailMessage]:
    found = []
    for item in sink.received:
        if to in item.recipients:
            parsed = email.message_from_bytes(item.data, policy=email.policy.default)
            assert isinstance(parsed, email.message.EmailMessage)
            if subject in str(parsed["Subject"]):
                found.append(parsed)
    return found


def _wait_for(sink: Sink, to: str, subject: str) -> email.message.EmailMessage:
    deadline = time.monotonic() + 30
    while not _mails(sink, to, subject):
        assert time.monotonic() < deadline, f"no {subject!r} mail to {to} reached the sink"
        time.sleep(0.05)
    return _mails(sink, to, subject)[-1]


def test_pickup_views_and_downloads_are_in_the_students_disclosure_record(
    tmp_path: Path,
) -> None:
    roster = family_roster(tmp_path / "roster.npz", SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    (tmp_path / "quarantine.key").write_text("00" * 32)
    (tmp_path / "gateway.toml").write_text(
        f'[detection]\nsecret_file = "secret.key"\nroster = "{roster}"\n'
        '[quarantine]\nurl = "sqlite:///quarantine.db"\nkey_file = "quarantine.key"\n'
    )
    policy_file = Path(portal_policy(tmp_path).source)
    with Sink() as sink:
        settings = make_settings(
            tmp_path,
            next_hop_port=sink.port,
            policy=policy_file,
            tables=f'[web]\npublic_url = "{PUBLIC_URL}"',
        )
        settings = replace(settings, detection=replace(settings.detection, roster=roster))
        with RunningGateway(settings) as gateway:
            assert gateway.gateway.relay.portal is not None
            code, reply = gateway.send(_iep(), r.TEACHER, [r.ANA])
            assert code == 250, reply
            notice = _wait_for(sink, r.ANA, "Secure message")
        # The IEP itself never went to the mother's webmail: only the notice did.
        assert all(b"3001001" not in item.data for item in sink.received)
        found = re.search(
            re.escape(PUBLIC_URL) + r"/pickup/([A-Za-z0-9_-]{43})", notice.get_content()
        )
        assert found
        token = found.group(1)

        env = {"DLP_SECRET": SECRET.decode()}
        store = open_store(settings, env)
        bound = bind(deliver, settings.delivery.target())
        step = ActionStep(bound, Outbox(OutboxStore(store.engine), bound))
        policy = load_policy(policy_file)
        service = build_service(settings, policy, store, AuditLog(tmp_path / "portal.log"), step)
        records = DisclosureStore(store.engine)
        assert records.count() == 0  # sealing for pickup discloses nothing yet
        before = int(time.time())
        with start_blocking_portal() as runner:
            browser = Client(create_portal_app(service), runner, "203.0.113.7")
            page = browser.get(f"/pickup/{token}")
            assert page.status_code == 200, page.text
            asked = browser.post(f"/pickup/{token}/code", data={"csrf": csrf_of(page.text)})
            assert asked.status_code == 200, asked.text
            code_mail = _wait_for(sink, r.ANA, "one-time code")
            one_time = _CODE.search(code_mail.get_content())
            assert one_time
            done = browser.post(
                f"/pickup/{token}/verify",
                data={"csrf": csrf_of(asked.text), "code": one_time.group(1)},
            )
            assert done.status_code == 303, done.text
            assert records.count() == 0  # a code is no disclosure
            shown = browser.get(f"/pickup/{token}/message")
            assert shown.status_code == 200 and "annual review" in shown.text
            download = browser.get(f"/pickup/{token}/attachments/0")
            assert download.status_code == 200 and download.content == _ATTACHMENT

    entries = records.for_students(_students(records))
    assert [(e.recipient, e.basis, e.detail) for e in entries] == [
        (r.ANA, Basis.PARENT, "pickup portal view"),
        (r.ANA, Basis.PARENT, "pickup portal download"),
    ]
    assert all(before <= e.time <= int(time.time()) for e in entries)
    assert all("SPECIAL_EDUCATION" in e.categories for e in entries)
    assert len({e.student for e in entries}) == 1 and len(entries[0].roster_version) == 16
    assert "3001001" not in entries[0].message_id

    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlp",
            "disclosures",
            "--config",
            str(tmp_path / "gateway.toml"),
            "--student",
            "3001001",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "DLP_SECRET": SECRET.decode()},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["disclosures"]
    assert [(row["recipient"], row["basis"], row["detail"]) for row in rows] == [
        (r.ANA, "parent", "pickup portal view"),
        (r.ANA, "parent", "pickup portal download"),
    ]
    assert "Mariana" not in listed.stdout and "3001001" not in listed.stdout
    store.close()


def _students(records: DisclosureStore) -> list[str]:
    from sqlalchemy import select

    from dlp.quarantine import schema

    with records.engine.connect() as connection:
        return [str(s) for s in connection.execute(select(schema.disclosures.c.student)).scalars()]
