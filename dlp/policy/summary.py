"""Safe summaries of findings: types, counts, locations, masked previews and digests only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dlp.model import Finding, Location, Unscannable

# Previews and locations shown per entity type: enough to find them, not a copy of the data.
MAX_EXAMPLES = 5

# Words a teacher reads instead of entity type names. A category's own (a keyword finding's
# entity type is its category's name) is declared with the category in recognizers/ (the
# policy holds both: ``Policy.labels``).
LABELS: dict[str, str] = {
    "US_SSN": "Social Security number",
    "STUDENT_ID": "student ID number",
    "STAFF_ID": "employee ID number",
    "DATE_OF_BIRTH": "date of birth",
    "PHONE_NUMBER": "phone number",
    "EMAIL_ADDRESS": "e-mail address",
    "US_STREET_ADDRESS": "street address",
    "CREDIT_CARD": "credit card number",
    "US_BANK_NUMBER": "bank account number",
    "PASSWORD": "password",
    "GRADE_VALUE": "grade",
    "PERSON": "person's name",
    "ROSTER_STUDENT_ID": "ID of a district student",
    "ROSTER_STUDENT_NAME": "name of a district student",
    "ROSTER_STAFF_ID": "ID of a district employee",
    "ROSTER_STAFF_NAME": "name of a district employee",
}


def safe_location(location: Location) -> str:
    """The location as it may be written down (see ``Location.masked``)."""
    return location.masked()


def label(entity_type: str, labels: Mapping[str, str] = LABELS) -> str:
    return labels.get(entity_type, entity_type.replace("_", " ").lower())


def plural(
    count: int, entity_type: str, lower_bound: bool = False, labels: Mapping[str, str] = LABELS
) -> str:
    words = label(entity_type, labels)
    if lower_bound:
        return f"at least {count} x {words}"
    return f"1 {words}" if count == 1 else f"{count} x {words}"


@dataclass(frozen=True, slots=True)
class FindingSummary:
    """All counted findings of one entity type in one message."""

    entity_type: str
    category: str
    count: int
    people: int  # distinct subjects or values
    locations: tuple[str, ...]
    masked: tuple[str, ...]
    digests: tuple[str, ...]
    # Findings of this type the scan found past its per-type cap and did not keep: when not
    # 0, ``count`` and ``people`` are lower bounds ("at least").
    beyond_cap: int = 0
    label: str = ""  # what a teacher reads for the entity type (``Policy.labels``)

    @property
    def lower_bound(self) -> bool:
        return self.beyond_cap > 0

    @classmethod
    def of(
        cls,
        entity_type: str,
        findings: Iterable[Finding],
        people: int,
        beyond_cap: int = 0,
        labels: Mapping[str, str] = LABELS,
    ) -> FindingSummary:
        items = list(findings)
        locations: dict[str, None] = {}
        masked: dict[str, None] = {}
        seen: set[Location] = set()  # many findings share a place: mask each place once
        for finding in items:
            if len(locations) < MAX_EXAMPLES and finding.location not in seen:
                seen.add(finding.location)
                locations.setdefault(safe_location(finding.location))
            if len(masked) < MAX_EXAMPLES:
                masked.setdefault(finding.masked)
        return cls(
            entity_type=entity_type,
            category=items[0].category.value if items else "",
            count=len(items),
            people=people,
            locations=tuple(locations),
            masked=tuple(masked),
            digests=tuple(sorted({finding.digest for finding in items})),
            beyond_cap=beyond_cap,
            label=label(entity_type, labels),
        )

    def describe(self) -> str:
        where = ", ".join(self.locations)
        found = plural(
            self.count,
            self.entity_type,
            self.lower_bound,
            {self.entity_type: self.label} if self.label else LABELS,
        )
        return f"{found} (in {where})" if where else found

    def bound(self) -> dict[str, object]:
        """The marks of a lower-bound count, for a record: nothing when the count is exact."""
        if not self.beyond_cap:
            return {}
        return {"lower_bound": True, "beyond_cap": self.beyond_cap}

    def to_dict(self) -> dict[str, object]:
        return {
            "entity_type": self.entity_type,
            "category": self.category,
            "count": self.count,
            "people": self.people,
            "locations": list(self.locations),
            "masked": list(self.masked),
            "digests": list(self.digests),
            **self.bound(),
        }


@dataclass(frozen=True, slots=True)
class UnscannableSummary:
    location: str
    reason: str

    @classmethod
    def of(cls, item: Unscannable) -> UnscannableSummary:
        # The detail text comes from parsers and may quote content: it is left out.
        return cls(location=safe_location(item.location), reason=item.reason.value)

    def to_dict(self) -> dict[str, object]:
        return {"location": self.location, "reason": self.reason}
