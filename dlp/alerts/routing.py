"""Who is told of an alert, and when: at once or in the next digest.

At once: an alert about a high-severity rule, category or entity type (``immediate_*``), one a
route marks ``immediate``, and every alert about a condition that breaks the system's promises
(audit tampering). The rest wait for the digest. The top-level addresses and the webhook hear
of everything; a route adds its own addresses for the rules or categories it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlp.alerts.alert import Alert, Kind, Severity, entity_types
from dlp.alerts.settings import AlertSettings

# Kinds that are never left for a digest: tampering, and bulk student data over a day.
ALWAYS_IMMEDIATE = frozenset({Kind.AUDIT_TAMPERING, Kind.STUDENTS_24H, Kind.OVERRIDE})


@dataclass(frozen=True, slots=True)
class Routed:
    alert: Alert  # with its severity decided
    email: tuple[str, ...]
    webhook: bool


def route(alert: Alert, settings: AlertSettings) -> Routed:
    rules, categories = set(alert.rules), {c.upper() for c in alert.categories}
    matching = [r for r in settings.routes if r.matches(rules, categories)]
    immediate = (
        alert.severity is Severity.IMMEDIATE
        or alert.kind in ALWAYS_IMMEDIATE
        or bool(rules.intersection(settings.immediate_rules))
        or bool(categories.intersection(settings.immediate_categories))
        or bool(entity_types(alert).intersection(settings.immediate_entities))
        or any(r.immediate for r in matching)
    )
    email = tuple(dict.fromkeys([*settings.email, *(a for r in matching for a in r.email)]))
    severity = Severity.IMMEDIATE if immediate else Severity.DIGEST
    return Routed(alert.with_severity(severity), email, settings.webhook_url is not None)
