"""The decision: one verdict per recipient, each explaining the rules behind it.

Pure: no I/O, no clock unless ``today`` is left out, nothing cached between calls. The gateway
calls `decide` once per message and splits delivery by `Decision.groups`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from dlp.model import ScanResult
from dlp.policy.config import Authorization, Mode, Policy, Rule, Verdict, WithoutCertificate
from dlp.policy.expression import SCORE
from dlp.policy.facts import ContentFacts, RecipientFacts, content_facts
from dlp.policy.families import (
    NOBODY,
    FamilyView,
    Households,
    StudentsSeen,
    family_view,
)
from dlp.policy.recipients import Recipient, classify, normalize_address
from dlp.policy.summary import FindingSummary, UnscannableSummary

# The rule name of a verdict that rests on content that could not be read.
UNSCANNABLE_RULE = "unscannable-content"


class Encryption(StrEnum):
    SMIME = "smime"  # enveloped to the recipient's certificate
    REQUIRE_TLS = "require_tls"  # no certificate: the next hop must accept TLS
    PORTAL = "portal"  # sealed in the quarantine; the recipient picks it up (dlp.portal)


@dataclass(frozen=True, slots=True)
class FiredRule:
    """One rule that matched, for one recipient, in words and in evidence."""

    name: str
    verdict: Verdict
    clauses: tuple[str, ...]
    explanation: str
    findings: tuple[FindingSummary, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.name,
            "verdict": self.verdict.value,
            "clauses": list(self.clauses),
            "explanation": self.explanation,
            "findings": [summary.to_dict() for summary in self.findings],
        }


@dataclass(frozen=True, slots=True)
class RecipientVerdict:
    address: str
    kind: str  # internal, authorized, external
    verdict: Verdict  # what happens (always DELIVER in audit mode)
    intended: Verdict  # what the policy decided
    encryption: Encryption | None
    rules: tuple[FiredRule, ...]
    authorization: str | None = None  # "<name> (<agreement>)"
    lookalike: str | None = None
    family: tuple[str, ...] = ()  # the family flags (`dlp.policy.families`) that held

    @property
    def clauses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(clause for rule in self.rules for clause in rule.clauses))

    def to_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "kind": self.kind,
            "verdict": self.verdict.value,
            "intended": self.intended.value,
            "encryption": self.encryption.value if self.encryption else None,
            "authorization": self.authorization,
            "lookalike": self.lookalike,
            "family": list(self.family),
            "clauses": list(self.clauses),
            "rules": [rule.to_dict() for rule in self.rules],
        }


@dataclass(frozen=True, slots=True)
class Disclosed:
    """What a copy of this message discloses about roster students, for the disclosure record
    (34 CFR 99.32): the students (roster subject digests) and the non-directory categories."""

    students: tuple[str, ...]
    categories: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"students": list(self.students), "categories": list(self.categories)}


# Categories that are directory information (a name, an address), unless the family opted out;
# personnel records are staff's, not a student's education record.
_DIRECTORY = frozenset({"CONTACT", "ROSTER"})
_NOT_STUDENT = frozenset({"PERSONNEL"})
_ID_ENTITIES = frozenset({"STUDENT_ID", "ROSTER_STUDENT_ID"})


def _disclosed(facts: ContentFacts, seen: StudentsSeen) -> Disclosed | None:
    students = tuple(sorted({members[0] for members in seen.students if len(members) == 1}))
    if not students:
        return None
    opted_out = "OPTED_OUT" in facts.flags
    categories: set[str] = set()
    for entity, category in facts.categories.items():
        name = category.value
        if entity in _ID_ENTITIES:
            categories.add("IDENTIFIER")
        elif name in _NOT_STUDENT or (name in _DIRECTORY and not opted_out):
            continue
        else:
            categories.add(name)
    return Disclosed(students, tuple(sorted(categories))) if categories else None


@dataclass(frozen=True, slots=True)
class Decision:
    sender: str
    mode: Mode
    per_recipient: Mapping[str, RecipientVerdict]
    findings: tuple[FindingSummary, ...]
    unscannable: tuple[UnscannableSummary, ...]
    score: float
    roster_version: str | None = None  # the roster the decision was made against
    disclosure: Disclosed | None = None

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # A mappingproxy does not pickle, and a decision made in a scanning process crosses
        # to the gateway's: it travels as a dict and is wrapped again on arrival.
        return (
            _rebuild,
            (
                self.sender,
                self.mode,
                dict(self.per_recipient),
                self.findings,
                self.unscannable,
                self.score,
                self.roster_version,
                self.disclosure,
            ),
        )

    @property
    def blocked(self) -> bool:
        """True when any recipient's copy is held or refused."""
        return any(verdict.verdict.blocks for verdict in self.per_recipient.values())

    @property
    def intended_blocked(self) -> bool:
        return any(verdict.intended.blocks for verdict in self.per_recipient.values())

    def groups(self) -> dict[tuple[Verdict, Encryption | None], tuple[str, ...]]:
        """Recipients that can share one outgoing copy, by verdict and encryption."""
        groups: dict[tuple[Verdict, Encryption | None], list[str]] = {}
        for address, verdict in self.per_recipient.items():
            groups.setdefault((verdict.verdict, verdict.encryption), []).append(address)
        return {key: tuple(addresses) for key, addresses in groups.items()}

    def audit_fields(self, message_id: str) -> dict[str, object]:
        """The audit record of this decision: verdicts, rules, clauses, counts and digests."""
        return {
            "message_id": message_id,
            "sender": self.sender,
            "mode": self.mode.value,
            "recipients": [
                {
                    "address": verdict.address,
                    "kind": verdict.kind,
                    "verdict": verdict.verdict.value,
                    "intended": verdict.intended.value,
                    "encryption": verdict.encryption.value if verdict.encryption else None,
                    "rules": [rule.name for rule in verdict.rules],
                    "clauses": list(verdict.clauses),
                    **({"family": list(verdict.family)} if verdict.family else {}),
                }
                for verdict in self.per_recipient.values()
            ],
            **({"roster_version": self.roster_version} if self.roster_version else {}),
            "findings": [
                {
                    "entity_type": summary.entity_type,
                    "count": summary.count,
                    "people": summary.people,
                    "locations": list(summary.locations),
                    "digests": list(summary.digests),
                    **summary.bound(),
                }
                for summary in self.findings
            ],
            "unscannable": [item.to_dict() for item in self.unscannable],
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "sender": self.sender,
            "mode": self.mode.value,
            "score": round(self.score, 3),
            "recipients": [verdict.to_dict() for verdict in self.per_recipient.values()],
            "findings": [summary.to_dict() for summary in self.findings],
            "unscannable": [item.to_dict() for item in self.unscannable],
            **({"roster_version": self.roster_version} if self.roster_version else {}),
            **({"disclosure": self.disclosure.to_dict()} if self.disclosure else {}),
        }


def _rebuild(
    sender: str,
    mode: Mode,
    per_recipient: dict[str, RecipientVerdict],
    findings: tuple[FindingSummary, ...],
    unscannable: tuple[UnscannableSummary, ...],
    score: float,
    roster_version: str | None = None,
    disclosure: Disclosed | None = None,
) -> Decision:
    return Decision(
        sender,
        mode,
        MappingProxyType(per_recipient),
        findings,
        unscannable,
        score,
        roster_version,
        disclosure,
    )


def _found(summaries: Sequence[FindingSummary]) -> str:
    return "; ".join(summary.describe() for summary in summaries)


def _behind(rule: Rule, facts: ContentFacts, view: RecipientFacts) -> list[str]:
    """The present entity types a matched rule rests on.

    Those it names; but a rule on ``score`` rests on every counted finding, and so does a rule
    that names no detection at all (only flags): an agreement must cover all of them.
    """
    names = rule.names
    entities = [entity for name in names if view.flag(name) for entity in facts.entities_of(name)]
    if SCORE in names or not any(facts.category_of(name) for name in names):
        entities += list(facts.findings)
    return list(dict.fromkeys(entities))


def _uncovered(entry: Authorization, facts: ContentFacts, entities: list[str]) -> list[str]:
    missing = {
        name
        for entity in entities
        if (name := entry.uncovered(entity, facts.categories[entity])) is not None
    }
    return sorted(missing)


def _fire(
    rule: Rule,
    facts: ContentFacts,
    recipient: Recipient,
    view: RecipientFacts,
    family: FamilyView,
) -> FiredRule:
    names = [name for name in rule.names if view.flag(name)]
    entities = _behind(rule, facts, view)
    summaries = facts.summaries(entities)
    verdict = rule.action
    notes = [rule.explain]
    if family.note and any(name.startswith("GUARDIAN_OF_") for name in names):
        notes.append(family.note)
    if summaries:
        notes.append(f"Found: {_found(summaries)}.")
    if rule.if_authorized is not None and not recipient.internal:
        entry = recipient.authorization
        if entry is not None:
            missing = _uncovered(entry, facts, entities)
            if missing:
                notes.append(
                    f"The agreement with {entry.name} ({entry.agreement}) does not cover: "
                    f"{', '.join(missing)}."
                )
            else:
                verdict = rule.if_authorized
                notes.append(f"Covered by the agreement with {entry.name} ({entry.agreement}).")
        elif recipient.expired is None:
            notes.append("No approved data-sharing agreement names this recipient.")
        else:
            notes.append(
                f"The agreement with {recipient.expired.name} ({recipient.expired.agreement}) "
                f"expired on {recipient.expired.expires}."
            )
    if recipient.lookalike is not None and "LOOKALIKE" in names:
        notes.append(f"The recipient's domain {recipient.lookalike.describe()}.")
    return FiredRule(rule.name, verdict, rule.clauses, " ".join(notes), summaries)


def _unscannable_rule(
    policy: Policy,
    facts: ContentFacts,
    recipient: Recipient,
    unscannable: Sequence[UnscannableSummary],
) -> FiredRule | None:
    if not facts.unscannable_reasons:
        return None
    verdict = max(
        (
            policy.unscannable.verdict(reason, not recipient.internal)
            for reason in facts.unscannable_reasons
        ),
        key=lambda item: item.rank,
    )
    if verdict is Verdict.DELIVER:
        return None
    items = ", ".join(f"{item.location} ({item.reason})" for item in unscannable[:5])
    return FiredRule(
        UNSCANNABLE_RULE,
        verdict,
        policy.unscannable.clauses,
        f"{policy.unscannable.explain} Could not read: {items}.",
    )


def _decide_one(
    policy: Policy,
    facts: ContentFacts,
    recipient: Recipient,
    has_certificate: bool,
    unscannable: Sequence[UnscannableSummary],
    family: FamilyView,
) -> RecipientVerdict:
    flags = recipient.flags(has_certificate)
    view = RecipientFacts(facts, flags | family.flags if family.flags else flags)
    fired = [
        _fire(rule, facts, recipient, view, family)
        for rule in policy.rules
        if rule.node.evaluate(view)
    ]
    unreadable = _unscannable_rule(policy, facts, recipient, unscannable)
    if unreadable is not None:
        fired.append(unreadable)
    verdict = max(
        (rule.verdict for rule in fired), key=lambda item: item.rank, default=Verdict.DELIVER
    )

    # The sender's tag asks for more protection, never for less: it only upgrades DELIVER.
    if verdict is Verdict.DELIVER and "SECURE_TAG" in facts.flags:
        fired.append(
            FiredRule(
                "sender-requested-encryption",
                Verdict.ENCRYPT,
                policy.encryption.clauses,
                "The sender asked for encryption in the subject line.",
            )
        )
        verdict = Verdict.ENCRYPT

    encryption = None
    if verdict is Verdict.ENCRYPT:
        without = policy.encryption.without_certificate
        if has_certificate and not (
            without is WithoutCertificate.PORTAL and policy.encryption.portal_with_certificate
        ):
            encryption = Encryption.SMIME
        elif without is WithoutCertificate.REQUIRE_TLS:
            encryption = Encryption.REQUIRE_TLS
        elif without is WithoutCertificate.PORTAL:
            encryption = Encryption.PORTAL
        else:
            verdict = Verdict(without.value)
            fired.append(
                FiredRule(
                    "no-certificate",
                    verdict,
                    policy.encryption.clauses,
                    "This message must be encrypted, and the district has no certificate for "
                    "this recipient.",
                )
            )

    effective, effective_encryption = verdict, encryption
    if policy.mode is Mode.AUDIT:
        effective, effective_encryption = Verdict.DELIVER, None
    return RecipientVerdict(
        address=recipient.address,
        kind=recipient.kind,
        verdict=effective,
        intended=verdict,
        encryption=effective_encryption,
        rules=tuple(fired),
        authorization=(
            f"{recipient.authorization.name} ({recipient.authorization.agreement})"
            if recipient.authorization
            else None
        ),
        lookalike=recipient.lookalike.describe() if recipient.lookalike else None,
        family=tuple(sorted(family.flags)),
    )


def decide(
    policy: Policy,
    sender: str,
    recipients: Sequence[str],
    scan: ScanResult,
    *,
    subject_tag_present: bool = False,
    certificates: Collection[str] = frozenset(),
    opted_out: Collection[str] = frozenset(),
    today: date | None = None,
    sender_students: frozenset[str] = frozenset(),
    households: Households | None = None,
    header_from: str = "",
) -> Decision:
    """Decide what happens to each recipient's copy of one scanned message.

    ``certificates``: lower-cased addresses the district holds an S/MIME certificate for.
    ``opted_out``: roster subject digests of students whose directory information is restricted.
    ``sender_students``: the students of the sender's messages sent outside over the last 24
    hours (`sender.students_24h`).
    ``households``: the roster's answers about addresses (`dlp.policy.families`): who each
    recipient is to the message's students, and who the sender is (their own name and ID are
    not findings about someone else). ``header_from``: the message's From address, which counts
    as the sender's only in a district domain (outside it anyone can write any From).
    """
    senders: frozenset[str] = frozenset()
    if households is not None:
        senders = households.household(sender).staff
        if header_from:
            address, domain = normalize_address(header_from)
            if any(
                domain == own or (policy.include_subdomains and domain.endswith("." + own))
                for own in policy.internal_domains
            ):
                senders |= households.household(address).staff
    facts = content_facts(
        policy,
        scan,
        subject_tag_present=subject_tag_present,
        opted_out=opted_out,
        sender_students=sender_students,
        senders=senders,
    )
    unscannable = tuple(UnscannableSummary.of(item) for item in scan.unscannable)
    seen = None
    if households is not None:
        seen = StudentsSeen.of(
            [finding for items in facts.findings.values() for finding in items], households
        )
    day = today or date.today()
    per_recipient: dict[str, RecipientVerdict] = {}
    parents = policy.families.eligible_student_parents
    for address in recipients:
        recipient = classify(policy, address, day)
        if recipient.address in per_recipient:
            continue
        has_certificate = recipient.address.lower() in certificates
        family = _NO_FAMILY
        if households is not None and seen is not None:
            household = households.household(recipient.address, parents)
            if household is not NOBODY or seen.students:
                family = family_view(seen, household)
        per_recipient[recipient.address] = _decide_one(
            policy, facts, recipient, has_certificate, unscannable, family
        )
    return Decision(
        sender=sender,
        mode=policy.mode,
        per_recipient=MappingProxyType(per_recipient),
        findings=facts.summaries(facts.findings),
        unscannable=unscannable,
        score=facts.weight,
        roster_version=households.version if households is not None else None,
        disclosure=_disclosed(facts, seen) if seen is not None else None,
    )


_NO_FAMILY = FamilyView(frozenset())
