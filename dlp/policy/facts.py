"""From a scan result to the facts rules are evaluated on (the weighting layer).

Findings under their entity's minimum confidence are dropped; an entity type with fewer than
its minimum count of instances is absent altogether. What remains gives, per entity type and per
category: a count, the distinct people (roster subjects, else value digests) and a weight.

A scan keeps a set number of findings of each type (`dlp.pipeline.collect`). For a type it found
more of, count, people and weight are lower bounds, made from the findings kept: a rule on
"10 or more" still fires as long as the cap is above 10; each summary says "at least".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from dlp.model import Category, Finding, ScanResult, UnscannableReason
from dlp.paragraphs import LABELED, SIGNATURE
from dlp.policy.config import Policy
from dlp.policy.expression import SENDER_STUDENTS_24H, counted_comparisons
from dlp.policy.summary import FindingSummary


def _person_keys(findings: Iterable[Finding]) -> dict[Finding, str]:
    """Who or what each finding is about: its roster subject, or the subject matched at the same
    place (a student ID that is also a roster ID), or else its value digest."""
    items = list(findings)
    at_place = {
        (finding.location, finding.start, finding.end): finding.subject
        for finding in items
        if finding.subject
    }
    keys: dict[Finding, str] = {}
    for finding in items:
        subject = finding.subject or at_place.get((finding.location, finding.start, finding.end))
        keys[finding] = f"s:{subject}" if subject else f"v:{finding.digest}"
    return keys


# How far apart (in characters, between the nearest ends) two findings of one paragraph may be
# and still be near (`near()`): a sentence or two. A student's record names the student beside
# the term; a colleague's name in a long paragraph about something else is not about them.
NEAR_WINDOW = 300


def _place(finding: Finding) -> tuple[object, ...]:
    """Where a finding is, for `near()`: a table row (a cell's location without its column),
    else its segment and paragraph (`dlp.paragraphs`; unknown for findings made without it)."""
    location = finding.location
    if location.row is not None and (location.column is not None or location.cell is not None):
        return ("row", replace(location, column=None, cell=None, text_at=None))
    if finding.paragraph == LABELED:
        return ("labeled", location)  # "Student: ...": near its whole segment
    if finding.paragraph == SIGNATURE:
        return ("signature", finding)  # the sender's own block: near nothing
    return ("text", location, finding.paragraph)


def _is_row(place: tuple[object, ...]) -> bool:
    return place[0] == "row"


def near_keys(subjects: Sequence[Finding], signals: Sequence[Finding]) -> frozenset[str]:
    """The person keys (as in ``people``) of ``subjects`` with a finding of ``signals`` near:
    in the same table row, or in the same paragraph of the same segment within `NEAR_WINDOW`
    characters; a name after a student label ("Student Name:") anywhere in its segment."""
    by_place: dict[tuple[object, ...], list[tuple[int, int]]] = defaultdict(list)
    for signal in signals:
        by_place[_place(signal)].append((signal.start, signal.end))
    longest: dict[tuple[object, ...], int] = {}
    for place, spans in by_place.items():
        spans.sort()
        longest[place] = max(end - start for start, end in spans)
    keys = _person_keys([*subjects, *signals])
    found: set[str] = set()
    segments = {signal.location for signal in signals if signal.paragraph != SIGNATURE}
    for subject in subjects:
        place = _place(subject)
        if place[0] == "labeled":
            if subject.location in segments:
                found.add(keys[subject])
            continue
        spans = by_place.get(place, [])
        if not spans:
            continue
        if _is_row(place):
            found.add(keys[subject])
            continue
        # Spans starting after the window's end are too far; of the rest, only those starting
        # within the longest span's length before the window's start can reach into it.
        low, high = subject.start - NEAR_WINDOW, subject.end + NEAR_WINDOW
        index = bisect_right(spans, (high, high + longest[place]))
        while index > 0:
            index -= 1
            start, end = spans[index]
            if start < low - longest[place]:
                break
            if end >= low:
                found.add(keys[subject])
                break
    return frozenset(found)


# For counts kept outside one message (a sender's students over a day).
person_keys = _person_keys
# The entity types that name a student (`sender.students_24h`).
STUDENT_ENTITIES = ("STUDENT_ID", "ROSTER_STUDENT_ID", "ROSTER_STUDENT_NAME")


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """What one message contains, the same for every recipient."""

    counts: dict[str, int]  # entity types and categories that are present
    people: dict[str, frozenset[str]]
    findings: dict[str, tuple[Finding, ...]]  # per present entity type
    categories: dict[str, Category]  # entity type -> category, for present entity types
    flags: frozenset[str]  # message flags (SECURE_TAG, UNSCANNABLE_ENCRYPTED, ...)
    weight: float
    unscannable_reasons: frozenset[UnscannableReason]
    # Present entity types the scan found more of than it kept: their counts are lower bounds.
    beyond_cap: dict[str, int] = field(default_factory=dict)
    # The names that are categories (the policy's, as recognizers/ declares them), and the
    # words a teacher reads for each entity type.
    category_names: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    # The students of this sender's messages sent outside over the last 24 hours, before this
    # one (`sender.students_24h`): person keys, as in ``people``.
    sender_students: frozenset[str] = frozenset()
    # Each entity's summary, made once: every rule that fires, for every recipient, asks.
    _summaries: dict[str, FindingSummary] = field(default_factory=dict, compare=False, repr=False)
    # Each near() asked, answered once (the same for every recipient).
    _near: dict[tuple[str, tuple[str, ...]], int] = field(
        default_factory=dict, compare=False, repr=False
    )

    def present(self, name: str) -> bool:
        return name in self.counts or name in self.flags

    def category_of(self, name: str) -> Category | None:
        if name in self.category_names:
            return Category(name)
        return self.categories.get(name)

    def entities_of(self, name: str) -> list[str]:
        """The present entity types a detection name stands for (itself, or its category's)."""
        if name in self.category_names:
            return [entity for entity, category in self.categories.items() if category == name]
        return [name] if name in self.findings else []

    def near(self, name: str, others: tuple[str, ...]) -> int:
        """The distinct people or values of ``name`` with a finding of ``others`` near them
        (`near_keys`)."""
        answer = self._near.get((name, others))
        if answer is None:
            subjects = self._found([name])
            signals = self._found(others) if subjects else []
            answer = len(near_keys(subjects, signals)) if signals else 0
            self._near[(name, others)] = answer
        return answer

    def _found(self, names: Iterable[str]) -> list[Finding]:
        entities = dict.fromkeys(entity for name in names for entity in self.entities_of(name))
        return [finding for entity in entities for finding in self.findings[entity]]

    def summaries(self, names: Iterable[str]) -> tuple[FindingSummary, ...]:
        entities: dict[str, None] = {}
        for name in names:
            for entity in self.entities_of(name):
                entities.setdefault(entity)
        return tuple(self._summary(entity) for entity in entities)

    def _summary(self, entity: str) -> FindingSummary:
        summary = self._summaries.get(entity)
        if summary is None:
            summary = self._summaries[entity] = FindingSummary.of(
                entity,
                self.findings[entity],
                len(self.people[entity]),
                self.beyond_cap.get(entity, 0),
                self.labels,
            )
        return summary


def content_facts(
    policy: Policy,
    scan: ScanResult,
    *,
    subject_tag_present: bool = False,
    opted_out: Collection[str] = frozenset(),
    sender_students: frozenset[str] = frozenset(),
    senders: Collection[str] = frozenset(),
) -> ContentFacts:
    """``senders``: roster subjects of the sender (`own_findings`): their findings, and any
    found at the same place, are not about a third person and do not count."""
    by_entity: dict[str, list[Finding]] = defaultdict(list)
    allowed = policy.allowed
    own = own_findings(scan.findings, senders) if senders else frozenset()
    for finding in scan.findings:
        if allowed and (finding.entity_type, finding.digest) in allowed:
            continue  # marked "not sensitive" by security staff: see [[allow]]
        if own and finding in own:
            continue
        if finding.score >= policy.threshold(finding.entity_type).min_score:
            by_entity[finding.entity_type].append(finding)
    kept = {
        entity: tuple(items)
        for entity, items in by_entity.items()
        if len(items) >= policy.threshold(entity).min_count
    }
    keys = _person_keys(finding for items in kept.values() for finding in items)

    counts: dict[str, int] = {}
    people: dict[str, set[str]] = defaultdict(set)
    categories: dict[str, Category] = {}
    weight = 0.0
    for entity, items in kept.items():
        category = items[0].category
        categories[entity] = category
        entity_people = {keys[finding] for finding in items}
        # A keyword finding's entity type is its category's name: that name means the category.
        if entity != category.value:
            counts[entity] = len(items)
            people[entity] |= entity_people
        counts[category.value] = counts.get(category.value, 0) + len(items)
        people[category.value] |= entity_people
        threshold = policy.threshold(entity)
        weight += threshold.weight * min(len(items), threshold.weight_cap)

    reasons = frozenset(item.reason for item in scan.unscannable)
    flags = {f"UNSCANNABLE_{reason.name}" for reason in reasons}
    if reasons:
        flags.add("UNSCANNABLE")
    if subject_tag_present:
        flags.add("SECURE_TAG")
    if any(
        finding.directory_opt_out or (finding.subject and finding.subject in opted_out)
        for items in kept.values()
        for finding in items
    ):
        flags.add("OPTED_OUT")
    return ContentFacts(
        counts=counts,
        people={name: frozenset(found) for name, found in people.items()},
        findings=kept,
        categories=categories,
        flags=frozenset(flags),
        weight=weight,
        unscannable_reasons=reasons,
        beyond_cap={entity: count for entity, count in scan.beyond_cap.items() if entity in kept},
        category_names=policy.categories,
        labels=policy.labels,
        sender_students=sender_students,
    )


def own_findings(findings: Sequence[Finding], senders: Collection[str]) -> frozenset[Finding]:
    """The findings that are the sender themselves: their roster matches (name, ID), and any
    other finding overlapping one of those in the same place (the same name found by the name
    lists as PERSON, "Ms. Lisa Woods" around "Lisa Woods")."""
    mine = [finding for finding in findings if finding.subject in senders]
    if not mine:
        return frozenset()
    spans: dict[object, list[tuple[int, int]]] = defaultdict(list)
    for finding in mine:
        spans[finding.location].append((finding.start, finding.end))
    return frozenset(
        finding
        for finding in findings
        if finding.subject in senders
        or (
            finding.subject is None
            and any(
                finding.start < end and start < finding.end
                for start, end in spans.get(finding.location, ())
            )
        )
    )


def beyond_the_cap(policy: Policy, cap: int) -> list[str]:
    """The rules' count()/distinct() comparisons a cap of ``cap`` findings per type can misjudge.

    Past the cap, a type's count is a lower bound equal to the cap: ``count(X) >= cap`` is judged
    right, ``count(X) > cap`` or ``count(X) >= 5 * cap`` is not. Named for an operator to fix
    (raise the cap or lower the number).
    """
    found: list[str] = []
    for rule in policy.rules:
        for compare in counted_comparisons(rule.node):
            # At the cap, the true count is the cap or more: only >= and < judge that right.
            if compare.threshold > cap or (
                compare.threshold == cap and compare.op not in (">=", "<")
            ):
                found.append(f"rule {rule.name}: {compare.op} {compare.threshold:g}")
    return found


class RecipientFacts:
    """One message as seen for one recipient: content facts plus the recipient's flags."""

    __slots__ = ("content", "recipient_flags")

    def __init__(self, content: ContentFacts, recipient_flags: frozenset[str]) -> None:
        self.content = content
        self.recipient_flags = recipient_flags

    def flag(self, name: str) -> bool:
        return name in self.recipient_flags or self.content.present(name)

    def count(self, names: tuple[str, ...]) -> int:
        # An entity type named beside its own category is already in the category's count.
        named_categories = {name for name in names if name in self.content.category_names}
        return sum(
            self.content.counts.get(name, 0)
            for name in dict.fromkeys(names)
            if name in named_categories or self.content.categories.get(name) not in named_categories
        )

    def distinct(self, names: tuple[str, ...]) -> int:
        found: set[str] = set()
        for name in names:
            found |= self.content.people.get(name, frozenset())
        return len(found)

    def near(self, name: str, others: tuple[str, ...]) -> int:
        return self.content.near(name, others)

    def score(self) -> float:
        return self.content.weight

    def fact(self, name: str) -> float:
        if name == SENDER_STUDENTS_24H:
            here = set(self.content.sender_students)
            for entity in STUDENT_ENTITIES:
                here |= self.content.people.get(entity, frozenset())
            return float(len(here))
        return 0.0
