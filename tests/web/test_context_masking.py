"""What a viewer sees around a finding without a reveal: findings masked, and the names the
district's roster knows masked too; names masked in locations are found again for the context.
Through the real app over HTTP, a real SQLite quarantine and a real roster."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal
from argon2 import PasswordHasher

from dlp.audit import AuditLog
from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.pipeline import scan_message
from dlp.policy import decide, load_policy
from dlp.quarantine.store import QuarantineStore
from dlp.quarantine.triage import Actor, Triage
from dlp.quarantine.wiring import context_mask
from dlp.settings import parse_settings
from dlp.web.accounts import Accounts
from dlp.web.accounts import Role as WebRole
from dlp.web.app import create_app
from tests.quarantine.conftest import KEY, SAMPLE_POLICY
from tests.roster.one_student import one_student_roster
from tests.web.conftest import PASSWORD, Client, csrf_of

SECRET = b"web-context-secret-0123456789abcdef"
SENDER, OUTSIDE = "mlopez@cusd.com", "tutor@gmail.com"
BODY_MESSAGE = (
    b"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: Thursday\r\n"
    b"Message-ID: <t1@cusd.com>\r\n\r\n"
    b"For the quiz, Marisol Quintanilla (SSN 536-22-1234) keeps her IEP accommodations.\r\n"
)
ATTACHED_MESSAGE = (
    b"From: mlopez@cusd.com\r\nTo: tutor@gmail.com\r\nSubject: files\r\n"
    b"Message-ID: <t2@cusd.com>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
    b"Content-Type: text/plain\r\n\r\nAttached.\r\n--XX\r\nContent-Type: text/plain\r\n"
    b'Content-Disposition: attachment; filename="IEP_Marisol Quintanilla.txt"\r\n\r\n'
    b"Reading goal met; SSN 536-22-1234 on file.\r\n--XX--\r\n"
)


@dataclass
class Setup:
    client: Client
    store: QuarantineStore
    triage: Triage
    roster_scanner: Scanner
    plain_scanner: Scanner


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    roster = tmp_path / "roster.npz"
    one_student_roster(roster, SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    settings = parse_settings(
        f'[detection]\nsecret_file = "secret.key"\nroster = "{roster}"\n',
        str(tmp_path / "gateway.toml"),
        tmp_path,
    )
    mask = context_mask(settings, {})
    assert mask is not None
    store = QuarantineStore.open(f"sqlite:///{tmp_path / 'quarantine.db'}", KEY)
    triage = Triage(store, AuditLog(tmp_path / "audit.log"), mask=mask)
    accounts = Accounts(store, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    accounts.put("vera", PASSWORD, WebRole.VIEWER)
    with start_blocking_portal() as portal:
        client = Client(create_app(triage, accounts), portal)
        page = client.get("/login")
        response = client.post(
            "/login", data={"csrf": csrf_of(page.text), "username": "vera", "password": PASSWORD}
        )
        assert response.status_code == 303
        yield Setup(
            client,
            store,
            triage,
            build_scanner(DetectionConfig(secret=SECRET, roster_path=roster)),
            build_scanner(DetectionConfig(secret=SECRET)),
        )
    store.close()


def _hold(store: QuarantineStore, raw: bytes, scanner: Scanner) -> str:
    scan = scan_message(raw, scanner)
    decision = decide(load_policy(SAMPLE_POLICY), SENDER, [OUTSIDE], scan)
    return store.hold(raw, SENDER, [OUTSIDE], decision, scan, "<t@cusd.com>")


def test_viewer_context_masks_a_rostered_name_that_is_no_stored_finding(setup: Setup) -> None:
    # Held by a scan without the roster (imported since): the name is no finding of its own.
    held = _hold(setup.store, BODY_MESSAGE, setup.plain_scanner)
    page = setup.client.get(f"/messages/{held}")
    assert page.status_code == 200
    assert "<mark>***-**-1234</mark>" in page.text
    assert "Marisol" not in page.text and "Quintanilla" not in page.text
    assert "M****** Q**********" in page.text  # masked the way a roster finding is
    assert "536-22-1234" not in page.text


def test_findings_in_a_masked_attachment_name_are_located_and_shown_masked(
    setup: Setup,
) -> None:
    held = _hold(setup.store, ATTACHED_MESSAGE, setup.roster_scanner)
    locations = {finding.location for finding in setup.store.findings(held)}
    assert "message / IEP_M****** Q**********.txt / row 1" in locations
    page = setup.client.get(f"/messages/{held}")
    assert page.status_code == 200
    # The SSN inside the attachment is found again in its text, with its context.
    assert "Reading goal met; SSN <mark>***-**-1234</mark> on file." in page.text
    assert "Marisol" not in page.text and "Quintanilla" not in page.text
    assert "536-22-1234" not in page.text


def test_revealing_one_finding_leaves_the_others_context_masked(setup: Setup) -> None:
    held = _hold(setup.store, BODY_MESSAGE, setup.plain_scanner)
    findings = setup.store.findings(held)
    term = next(f for f in findings if f.entity_type == "SPECIAL_EDUCATION")
    _, views = setup.triage.reveal(Actor("rita", "cli"), held, [term.position])
    by_position = {view.finding.position: view for view in views}
    assert by_position[term.position].value == term.masked  # a term's preview is the term
    for view in views:
        if view.finding.position != term.position:
            assert view.value is None and view.pieces
            shown = "".join(piece.text for piece in view.pieces)
            assert "Marisol" not in shown and "536-22-1234" not in shown
