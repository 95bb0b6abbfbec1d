"""Scans and phone photos through the whole path: extraction with OCR, detection and the
sample policy, as a message to a personal address would go (dlp.pipeline.scan_message)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from dlp.extract.limits import Limits
from dlp.model import UnscannableReason
from dlp.pipeline import scan_message
from dlp.policy import Verdict, decide
from tests.extract.scans import FORM_504_ES, IEP_EN, encoded, form, photographed, scanned_pdf

DAY = date(2025, 3, 4)
SENDER = "mlopez@cusd.com"
PERSONAL = "maria.g.family@gmail.com"
COLLEAGUE = "sped.coordinator@cusd.com"


def message(body: str, filename: str, data: bytes, subtype: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = SENDER
    mail["To"] = f"{PERSONAL}, {COLLEAGUE}"
    mail["Subject"] = "papers from today"
    mail.set_content(body)
    maintype, _, sub = subtype.partition("/")
    mail.add_attachment(data, maintype=maintype, subtype=sub, filename=filename)
    return bytes(mail)


def verdicts(raw: bytes, scanner, policy, limits: Limits | None = None):
    result = scan_message(raw, scanner, limits or Limits())
    decision = decide(policy, SENDER, [PERSONAL, COLLEAGUE], result, today=DAY)
    return result, {
        address: (item.verdict, {rule.name for rule in item.rules})
        for address, item in decision.per_recipient.items()
    }


def test_a_scanned_iep_to_a_personal_address_is_held(scanner, sample_policy):
    raw = message("Here it is.", "scan0001.pdf", scanned_pdf([form(IEP_EN)]), "application/pdf")
    result, got = verdicts(raw, scanner, sample_policy)
    assert any(f.location.part and f.location.part.startswith("ocr ") for f in result.findings)
    assert got[PERSONAL][0] is Verdict.QUARANTINE
    assert "student-record-outside" in got[PERSONAL][1]
    assert got[COLLEAGUE][0] is Verdict.DELIVER


def test_a_phone_photo_of_a_504_form_is_held(scanner, sample_policy):
    photo = encoded(photographed(form(FORM_504_ES)), "JPEG", quality=75)
    raw = message("", "IMG_2231.jpg", photo, "image/jpeg")
    _, got = verdicts(raw, scanner, sample_policy)
    assert got[PERSONAL][0] is Verdict.QUARANTINE
    assert got[COLLEAGUE][0] is Verdict.DELIVER


@pytest.mark.parametrize(
    ("body", "held"),
    [
        ("Notes from the IEP meeting are attached.", True),
        ("Photos from the field trip.", False),
    ],
)
def test_scans_past_the_ocr_budget_are_held_beside_a_student_signal(
    body, held, scanner, sample_policy
):
    raw = message(body, "scan.pdf", scanned_pdf([form(IEP_EN)]), "application/pdf")
    result, got = verdicts(raw, scanner, sample_policy, Limits(ocr_max_pages=0))
    assert [u.reason for u in result.unscannable] == [UnscannableReason.OCR_LIMIT]
    verdict, rules = got[PERSONAL]
    assert verdict is (Verdict.QUARANTINE if held else Verdict.DELIVER)
    assert ("unread-scans-with-student-signal-outside" in rules) is held
    assert got[COLLEAGUE][0] is Verdict.DELIVER
