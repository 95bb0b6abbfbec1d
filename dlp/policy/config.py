"""The validated, immutable policy: what `load.py` builds and `decision.py` reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from dlp.model import Category, UnscannableReason
from dlp.policy.expression import Node
from dlp.policy.families import FAMILY_FLAGS
from dlp.policy.lookalike import LookalikeDetector


class Verdict(StrEnum):
    """What happens to one recipient's copy of a message, mildest first."""

    DELIVER = "deliver"
    ENCRYPT = "encrypt"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def blocks(self) -> bool:
        return self in (Verdict.QUARANTINE, Verdict.REJECT)


_RANK = {Verdict.DELIVER: 0, Verdict.ENCRYPT: 1, Verdict.QUARANTINE: 2, Verdict.REJECT: 3}


class Mode(StrEnum):
    ENFORCE = "enforce"
    AUDIT = "audit"  # decide and record, never block


class WithoutCertificate(StrEnum):
    """What an ENCRYPT verdict becomes for a recipient with no S/MIME certificate."""

    REQUIRE_TLS = "require_tls"
    QUARANTINE = "quarantine"
    REJECT = "reject"
    PORTAL = "portal"  # sealed in the quarantine for pickup on the portal (dlp.portal)


# The words issue 23 uses for two of them, accepted as the same.
WITHOUT_CERTIFICATE_ALIASES = {"tls": "require_tls", "hold": "quarantine"}


# Entity types the detector's code and shipped entity files emit; with them, every category
# recognizers/ declares is a name (`known_entities`), and a policy may declare more entity
# types under [entities].
KNOWN_ENTITIES: dict[str, Category] = {
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
    "PERSON": Category.CONTACT,
    "ROSTER_STUDENT_ID": Category.ROSTER,
    "ROSTER_STUDENT_NAME": Category.ROSTER,
    "ROSTER_STAFF_ID": Category.ROSTER,
    "ROSTER_STAFF_NAME": Category.ROSTER,
}


def known_entities(categories: Iterable[str]) -> dict[str, Category]:
    """The entity types a policy may name: the detector's, and each category's own name (a
    keyword finding's entity type is its category's; ROSTER's findings have their own)."""
    return {
        **KNOWN_ENTITIES,
        **{name: Category(name) for name in categories if name != Category.ROSTER},
    }


# Entity types an agreement covers only when it names them in `entities`, not through their
# category: a gradebook agreement covering IDENTIFIER (student IDs) does not cover Social
# Security numbers, which no vendor of the district receives by default.
NAMED_ONLY_ENTITIES = frozenset({"US_SSN"})

# Facts about the recipient, true or false per recipient.
# GUARDIAN...: what the roster says the recipient is to the message's students
# (`dlp.policy.families`); never true without a roster.
RECIPIENT_FLAGS = (
    "INTERNAL",
    "EXTERNAL",
    "AUTHORIZED",
    "LOOKALIKE",
    "CERTIFICATE",
    *FAMILY_FLAGS,
)
# Facts about the message that are not detections.
MESSAGE_FLAGS = (
    "SECURE_TAG",
    "OPTED_OUT",
    "UNSCANNABLE",
    *(f"UNSCANNABLE_{reason.name}" for reason in UnscannableReason),
)


@dataclass(frozen=True, slots=True)
class EntityThreshold:
    """When findings of one entity type count, and how much they weigh."""

    min_score: float
    min_count: int
    weight: float
    # Instances that add weight: rspamd-style "once per symbol" is cap = 1.
    weight_cap: int


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    expression: str
    node: Node
    action: Verdict
    # For recipients whose agreement covers every category the rule matched on.
    if_authorized: Verdict | None
    clauses: tuple[str, ...]
    explain: str
    # The names the expression mentions (as evidence), in order, once: a decision asks for
    # them for every rule that fires, for every recipient.
    names: tuple[str, ...] = field(default=(), compare=False)
    # The sender may release a message this rule held, with a one-time code and a written
    # justification (docs/override.md); never by default.
    overridable: bool = False

    def __post_init__(self) -> None:
        if not self.names:
            object.__setattr__(self, "names", tuple(dict.fromkeys(self.node.names())))


@dataclass(frozen=True, slots=True)
class Authorization:
    """An external recipient the district has an approved agreement with (E.6)."""

    name: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    categories: frozenset[Category]
    agreement: str
    expires: date | None
    # Entity types the agreement names outright (needed for `NAMED_ONLY_ENTITIES`).
    entities: frozenset[str] = frozenset()

    def active(self, today: date) -> bool:
        return self.expires is None or today <= self.expires

    def covers(self, entity_type: str, category: Category) -> bool:
        """Whether findings of ``entity_type`` (of ``category``) may go to this recipient."""
        if entity_type in self.entities:
            return True
        return category in self.categories and entity_type not in NAMED_ONLY_ENTITIES

    def uncovered(self, entity_type: str, category: Category) -> str | None:
        """What to name when ``entity_type`` is not covered: the entity or its category."""
        if self.covers(entity_type, category):
            return None
        return entity_type if category in self.categories else category.value


@dataclass(frozen=True, slots=True)
class UnscannablePolicy:
    """What unreadable content (an encrypted zip, a corrupt file) means, by where it goes."""

    external: Verdict
    internal: Verdict
    by_reason: dict[UnscannableReason, Verdict]
    clauses: tuple[str, ...]
    explain: str

    def verdict(self, reason: UnscannableReason, external: bool) -> Verdict:
        if not external:
            return self.internal
        return self.by_reason.get(reason, self.external)


@dataclass(frozen=True, slots=True)
class EncryptionPolicy:
    subject_tags: tuple[str, ...]
    without_certificate: WithoutCertificate
    neutral_subject: str | None
    certificates: str | None  # folder of recipients' certificates, relative to the policy file
    clauses: tuple[str, ...]
    # The pickup portal also for recipients who have a certificate (instead of S/MIME).
    portal_with_certificate: bool = False

    def tag_in(self, subject: str) -> bool:
        lowered = subject.casefold()
        return any(tag.casefold() in lowered for tag in self.subject_tags)


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    sender_subject: str
    # For a message held only because part of it could not be read: nothing was found in it.
    unscannable_subject: str
    authorization_help: str
    template: str | None  # a Jinja2 template file, relative to the policy file


@dataclass(frozen=True, slots=True)
class FamilyPolicy:
    # Whether the parents of a student of 18 or more still count as the student's guardians
    # (FERPA passes the rights to the student; 34 CFR 99.31(a)(8) lets a district disclose
    # to the parents of a dependent student).
    eligible_student_parents: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    source: str
    mode: Mode
    district_name: str
    internal_domains: tuple[str, ...]
    include_subdomains: bool
    clauses: dict[str, str]
    default_threshold: EntityThreshold
    entities: dict[str, EntityThreshold]
    entity_categories: dict[str, Category]
    symbols: dict[str, str]
    rules: tuple[Rule, ...]
    authorized: tuple[Authorization, ...]
    unscannable: UnscannablePolicy
    encryption: EncryptionPolicy
    notifications: NotificationPolicy
    lookalike: LookalikeDetector
    # Values security staff marked "not sensitive" (a false positive): (entity type, digest).
    allowed: frozenset[tuple[str, str]] = frozenset()
    # The categories recognizers/ declares, and what a teacher reads for each entity type.
    categories: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)
    families: FamilyPolicy = field(default_factory=FamilyPolicy)

    def threshold(self, entity_type: str) -> EntityThreshold:
        return self.entities.get(entity_type, self.default_threshold)

    def clause_title(self, clause: str) -> str:
        return self.clauses.get(clause, "")
