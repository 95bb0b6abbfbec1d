"""The per-student disclosure record (34 CFR 99.32), end to end: messages through the gateway
over SMTP on loopback (delivered to the family, encrypted to an approved partner, held for
another family), a reviewer's release from the quarantine, and `dlp disclosures` asking for
the student by ID and by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dlp.actions.disclosures import Basis
from dlp.quarantine.disclosures import DisclosureStore
from dlp.quarantine.triage import Actor
from dlp.quarantine.wiring import build_triage, open_store
from tests.families import roster as r
from tests.families.conftest import SECRET
from tests.families.roster import family_roster
from tests.gateway.harness import RunningGateway, make_settings

REPO = Path(__file__).resolve().parents[2]
SPED = "sped-records@fcoe.example"  # the sample policy's approved partner (SELPA MOU)


def _message(to: str, body: str, message_id: str) -> bytes:
    return (
        f"From: {r.TEACHER}\r\nTo: {to}\r\nSubject: Update\r\nMessage-ID: <{message_id}@cusd.com>"
        f"\r\n\r\n{body}\r\n"
    ).encode()


GRADES = "Mariana Quintero-Ruiz (student ID 3001001): report card grades, B+ in Algebra."
IEP = (
    "Mariana Quintero-Ruiz (student ID 3001001): her IEP accommodations for the annual review, "
    "extended time and a reader."
)


def _cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DLP_SECRET": SECRET.decode()}
    return subprocess.run(
        [sys.executable, "-m", "dlp", "disclosures", "--config", str(tmp / "gateway.toml"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
        check=False,
    )


def test_delivery_encryption_and_release_are_recorded(tmp_path: Path) -> None:
    roster = family_roster(tmp_path / "roster.npz", SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    (tmp_path / "gateway.toml").write_text(
        f'[detection]\nsecret_file = "secret.key"\nroster = "{roster}"\n'
        '[quarantine]\nurl = "sqlite:///quarantine.db"\nkey_file = "quarantine.key"\n'
        "disclosure_retention_days = 3650\n"
    )
    settings = make_settings(tmp_path)  # delivery into a folder: TLS-required copies land too
    from dataclasses import replace

    settings = replace(settings, detection=replace(settings.detection, roster=roster))
    with RunningGateway(settings) as gateway:
        code, reply = gateway.send(
            _message(r.ANA, GRADES, "rc-3001001-a"), r.TEACHER, [r.ANA, r.CHIOMA]
        )
        assert code == 250, reply
        code, reply = gateway.send(_message(SPED, IEP, "iep-3001001-b"), r.TEACHER, [SPED])
        assert code == 250, reply
        assert gateway.holder is not None
        assert gateway.holder.recipients() == [r.CHIOMA]
        ((held_id, _),) = gateway.holder.held

    url = settings.quarantine.url
    records = DisclosureStore.open(url)
    entries = records.for_students(_all_students(records))
    assert [(e.recipient, e.basis) for e in entries] == [
        (r.ANA, Basis.PARENT),
        (SPED, Basis.AGREEMENT),
    ]
    assert "SELPA" in entries[1].detail
    assert "SPECIAL_EDUCATION" in entries[1].categories
    assert "IDENTIFIER" in entries[0].categories
    # The Message-ID named the student: masked here as everywhere.
    assert entries[0].message_id.startswith("<rc-") and "3001001" not in entries[0].message_id
    assert len(entries[0].roster_version) == 16
    assert entries[0].student == entries[1].student

    # A reviewer releases the other family's copy (it was a mistake of theirs to make).
    env = {"DLP_SECRET": SECRET.decode()}
    triage = build_triage(settings, open_store(settings, env), env=env)
    released = triage.release(
        Actor("rita", "cli"), held_id, note="guardian by court order, per office"
    )
    assert released.pending == ()
    entries = records.for_students([entries[0].student])
    assert [(e.recipient, e.basis) for e in entries][-1] == (r.CHIOMA, Basis.RELEASE)
    assert entries[-1].detail == "guardian by court order, per office"

    # Asked for by ID and by name, in each format; the answer holds no value of the student's.
    by_id = _cli(tmp_path, "--student", "3001001", "--format", "json")
    assert by_id.returncode == 0, by_id.stderr
    document = json.loads(by_id.stdout)
    assert [row["basis"] for row in document["disclosures"]] == ["parent", "agreement", "release"]
    by_name = _cli(tmp_path, "--student", "Mariana Quintero-Ruiz", "--format", "csv")
    assert by_name.returncode == 0, by_name.stderr
    lines = by_name.stdout.strip().splitlines()
    assert lines[0].startswith("time,recipient,categories,basis") and len(lines) == 4
    text = _cli(tmp_path, "--student", "3001001", "--since", "2000-01-01")
    assert text.returncode == 0 and "3 disclosure(s)" in text.stdout
    for output in (by_id.stdout, by_name.stdout, text.stdout):
        assert "Mariana" not in output and "3001001" not in output
    # A shared name cannot say which student.
    shared = _cli(tmp_path, "--student", "John Smith")
    assert shared.returncode == 2 and "use the student ID" in shared.stderr


def _all_students(records: DisclosureStore) -> list[str]:
    from sqlalchemy import select

    from dlp.quarantine import schema

    with records.engine.connect() as connection:
        return [row[0] for row in connection.execute(select(schema.disclosures.c.student))]
