"""Which clause of AR 7203 section L a finding falls under, how much a file is at risk, and how
widely it is shared.

L.3.a forbids confidential student records in cloud storage (contact information, IEP language,
transcripts, discipline records, 504 documentation, accommodations, grades); L.3.b confidential
personnel information (contact information, evaluations, discipline records, employment
history, coaching memos, letters of reprimand). Both clauses list contact information and
discipline records, so those count under both. Which clauses a category falls under is
declared with the category in ``recognizers/`` (``dlp.detect.categories``). The weights are the
sample policy's (``samples/policy.toml``), so that the export report ranks files as mail
decisions would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache

from dlp.detect.categories import CategoryInfo, shipped_categories
from dlp.model import Category

STUDENT = "L.3.a"
PERSONNEL = "L.3.b"
CLAUSE_TEXT = {
    STUDENT: "Confidential student records must never be uploaded to cloud storage "
    "(AR 7203 L.3.a).",
    PERSONNEL: "Confidential personnel information must never be uploaded to cloud storage "
    "(AR 7203 L.3.b).",
}

# Entity types that say whose record it is.
BY_ENTITY: dict[str, tuple[str, ...]] = {
    "STUDENT_ID": (STUDENT,),
    "ROSTER_STUDENT_ID": (STUDENT,),
    "ROSTER_STUDENT_NAME": (STUDENT,),
    "STAFF_ID": (PERSONNEL,),
    "ROSTER_STAFF_ID": (PERSONNEL,),
    "ROSTER_STAFF_NAME": (PERSONNEL,),
}

WEIGHTS: dict[str, float] = {
    "US_SSN": 10,
    "CREDIT_CARD": 8,
    "US_BANK_NUMBER": 8,
    "PASSWORD": 5,
    "STUDENT_ID": 4,
    "ROSTER_STUDENT_ID": 4,
    "ROSTER_STUDENT_NAME": 4,
    "SPECIAL_EDUCATION": 4,
    "STAFF_ID": 3,
    "ROSTER_STAFF_ID": 3,
    "ROSTER_STAFF_NAME": 3,
    "DISCIPLINE": 3,
    "HEALTH": 3,
    "PERSONNEL": 3,
    "DATE_OF_BIRTH": 2,
    "GRADES": 2,
    "GRADE_VALUE": 2,
    "DEMOGRAPHIC": 2,
    "PHONE_NUMBER": 0.5,
    "US_STREET_ADDRESS": 0.5,
    "EMAIL_ADDRESS": 0.2,
}
DEFAULT_WEIGHT = 1.0

# How much wider sharing multiplies a file's risk.
EXPOSURE_FACTOR = {"public": 3.0, "external": 2.0, "internal": 1.25, "private": 1.0, "unknown": 1.0}
PUBLIC_PRINCIPALS = frozenset(
    {"anyone", "anyonewithlink", "anyone_with_link", "public", "open", "anyoneinternet", "everyone"}
)


# The shipped categories, read once: what ``clauses_for`` falls back on without a scanner's.
_shipped = cache(shipped_categories)


def clauses_for(
    entity_type: str, category: Category, categories: Mapping[str, CategoryInfo] | None = None
) -> tuple[str, ...]:
    """The clauses the entity type names (a student ID: L.3.a), else those its category
    declares in recognizers/ (``categories``: the scanner's; None: the shipped ones)."""
    info = (_shipped() if categories is None else categories).get(category)
    return BY_ENTITY.get(entity_type) or (info.clauses if info else ())


def risk_score(counts: dict[str, int], exposure: str) -> float:
    """Weight of each kind found, growing with the log of its count, times the exposure."""
    base = sum(
        WEIGHTS.get(entity, DEFAULT_WEIGHT) * (1 + math.log2(count))
        for entity, count in counts.items()
        if count > 0
    )
    return round(base * EXPOSURE_FACTOR.get(exposure, 1.0), 2)


def exposure(
    owner: str, shared_with: Iterable[str], known: bool, internal_domains: frozenset[str]
) -> str:
    """``public``, ``external``, ``internal``, ``private`` or ``unknown`` (no metadata).

    Without configured district domains, the owner's own domain counts as internal.
    """
    if not known:
        return "unknown"
    domains = internal_domains or frozenset(_domains(owner))
    level = "private"
    for principal in shared_with:
        lowered = principal.lower()
        if lowered.replace(" ", "") in PUBLIC_PRINCIPALS:
            return "public"
        principal_domains = _domains(lowered)
        if principal_domains and not any(_inside(d, domains) for d in principal_domains):
            level = "external"
        elif level == "private":
            level = "internal"
    return level


def _domains(principal: str) -> list[str]:
    if "@" in principal:
        return [principal.rsplit("@", 1)[1].strip().lower()]
    return []


def _inside(domain: str, internal: frozenset[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in internal)
