"""Issue 20's done-when, its second half: a scanned IEP naming a roster student, through the
gateway over SMTP on loopback with the sample policy and a roster with families. To the
student's own guardian it passes, encrypted as the sample's own-family-protected-record says
(S/MIME with a certificate, else verified TLS: delivered); to another family's guardian, and
to a personal address, it is held."""

from __future__ import annotations

import email.policy
import json
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.extract.scans import Planted, form, scanned_pdf
from tests.families import roster as r
from tests.families.conftest import SECRET
from tests.families.roster import family_roster
from tests.gateway.harness import RunningGateway, make_settings

PERSONAL = "maria.g.family@gmail.com"
# Mariana's IEP page, scanned: no text layer, so the gateway reads it with OCR. No SSN on it
# (an SSN is held whoever receives it, by secrets-outside).
MARIANA_IEP = (
    Planted("Name of student:", "Mariana Quintero-Ruiz", "PERSON"),
    Planted("Student ID:", "3001001", "STUDENT_ID"),
    Planted("", "Individualized Education Program (IEP) annual review", "SPECIAL_EDUCATION"),
    Planted("Disability:", "specific learning disability; speech therapy", "SPECIAL_EDUCATION"),
)


def _message(to: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = r.TEACHER
    mail["To"] = to
    mail["Subject"] = "papers from today"
    mail["Message-ID"] = "<scan-1@cusd.com>"
    mail.set_content("Here it is.")
    mail.add_attachment(
        scanned_pdf([form(MARIANA_IEP)]),
        maintype="application",
        subtype="pdf",
        filename="scan0001.pdf",
    )
    return mail.as_bytes(policy=email.policy.SMTP)


def _decided(audit: Path) -> dict[str, object]:
    """The gateway's audit record of its decision on the one message sent."""
    for line in audit.read_text().splitlines():
        entry = json.loads(line)
        if entry["event"] == "gateway-decision" and entry["message_id"] == "<scan-1@cusd.com>":
            assert isinstance(entry, dict)
            return entry
    raise AssertionError("no audit record of the decision")


@pytest.mark.parametrize(
    ("to", "verdict", "rule", "encryption"),
    [
        (r.ANA, "encrypt", "own-family-protected-record", "require_tls"),
        (r.CHIOMA, "quarantine", "student-record-outside", None),
        (PERSONAL, "quarantine", "student-record-outside", None),
    ],
    ids=["own-guardian", "other-family", "personal-address"],
)
def test_a_scanned_iep_passes_to_the_students_guardian_only(
    tmp_path: Path, to: str, verdict: str, rule: str, encryption: str | None
) -> None:
    roster = family_roster(tmp_path / "roster.npz", SECRET)
    (tmp_path / "secret.key").write_bytes(SECRET)
    # Delivery into a folder: TLS-required copies land too. OCR of the page takes seconds, far
    # more on a loaded machine: a scan past its time limit is held unread, which is not what
    # this test is about.
    settings = make_settings(tmp_path, extra="scan_timeout = 120")
    settings = replace(settings, detection=replace(settings.detection, roster=roster))
    with RunningGateway(settings) as gateway:
        code, reply = gateway.send(_message(to), r.TEACHER, [to])
        assert code == 250, reply
        assert gateway.holder is not None
        held = gateway.holder.recipients()
    copies = [path.read_bytes() for path in (tmp_path / "delivered" / "new").glob("*")]
    delivered = [copy for copy in copies if f"Delivered-To: {to}\r\n".encode() in copy]
    decided = _decided(tmp_path / "audit.log")
    # Read from the scan: the roster student's ID was found by OCR on the attached page.
    findings = decided["findings"]
    assert isinstance(findings, list)
    (roster_id,) = [f for f in findings if f["entity_type"] == "ROSTER_STUDENT_ID"]
    assert all("/ ocr " in where for where in roster_id["locations"])
    (recipient,) = decided["recipients"]  # type: ignore[misc]
    assert (recipient["address"], recipient["verdict"]) == (to, verdict)
    assert rule in recipient["rules"]
    if encryption is None:
        assert held == [to] and delivered == []
        assert "GUARDIAN_OF_ALL" not in recipient["family"]
    else:
        # The sample policy's own-family-protected-record: S/MIME with a certificate, else
        # verified TLS; the mother has no certificate on file.
        assert recipient["rules"] == [rule] and recipient["encryption"] == encryption
        assert "GUARDIAN_OF_ALL" in recipient["family"]
        assert held == [] and len(delivered) == 1
        assert b"X-DLP-Verdict: encrypt" in delivered[0]
        assert b"X-DLP-Encryption: require-tls" in delivered[0]
