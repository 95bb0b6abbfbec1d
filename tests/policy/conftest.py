from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from dlp.detect.categories import shipped_categories
from dlp.model import Category, Finding, Location, ScanResult, Unscannable, UnscannableReason
from dlp.policy import Policy, load_policy

REPO = Path(__file__).resolve().parents[2]
SAMPLE_POLICY = REPO / "samples" / "policy.toml"
TODAY = date(2025, 3, 1)

CATEGORY_OF = {
    "US_SSN": Category.IDENTIFIER,
    "STUDENT_ID": Category.IDENTIFIER,
    "STAFF_ID": Category.IDENTIFIER,
    "DATE_OF_BIRTH": Category.PERSONAL,
    "PHONE_NUMBER": Category.CONTACT,
    "EMAIL_ADDRESS": Category.CONTACT,
    "US_STREET_ADDRESS": Category.CONTACT,
    "CREDIT_CARD": Category.FINANCIAL,
    "US_BANK_NUMBER": Category.FINANCIAL,
    "PASSWORD": Category.CREDENTIAL,
    "GRADE_VALUE": Category.GRADES,
    "ROSTER_STUDENT_ID": Category.ROSTER,
    "ROSTER_STUDENT_NAME": Category.ROSTER,
    "ROSTER_STAFF_ID": Category.ROSTER,
    "ROSTER_STAFF_NAME": Category.ROSTER,
    **{name: Category(name) for name in shipped_categories() if name != Category.ROSTER},
}


def finding(
    entity_type: str,
    value: str = "1234567",
    *,
    score: float = 0.9,
    subject: str | None = None,
    location: Location | None = None,
    start: int = 0,
) -> Finding:
    """A finding as the detector makes it: masked preview and digest, never the value."""
    return Finding(
        entity_type=entity_type,
        category=CATEGORY_OF[entity_type],
        start=start,
        end=start + len(value),
        score=score,
        recognizer="test",
        pattern="test",
        masked="*" * max(0, len(value) - 2) + value[-2:] if len(value) > 4 else "****",
        digest=hashlib.sha256(b"k" + value.encode()).hexdigest(),
        location=location or Location(path=("message",), part="body"),
        subject=subject,
    )


def scan(*findings: Finding, unscannable: tuple[UnscannableReason, ...] = ()) -> ScanResult:
    return ScanResult(
        findings=findings,
        unscannable=tuple(
            Unscannable(Location(path=("message", f"file{i}.zip")), reason)
            for i, reason in enumerate(unscannable)
        ),
    )


@pytest.fixture(scope="session")
def sample_policy() -> Policy:
    return load_policy(SAMPLE_POLICY)
