"""``[alerts]`` in the settings file: who is told, how, and the limits that raise an alert.

```toml
[alerts]
email = ["security@cusd.com"]               # told of everything
webhook_url = "https://siem.cusd.com/dlp"   # JSON, signed with HMAC-SHA256
webhook_secret_file = "/etc/dlp/webhook.key"
digest_minutes = 15                          # what is not immediate waits for the digest
immediate_rules = ["bulk-students-outside", "staff-ssn-outside", "secrets-outside"]
immediate_categories = ["SPECIAL_EDUCATION"]
immediate_entities = ["US_SSN"]

[[alerts.route]]                             # more people for some rules or categories
categories = ["HEALTH"]
email = ["nurse-lead@cusd.com"]
```

Read here, with its bounds, by `dlp.settings` (it imports this module, never the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlp.tomlreader import Table

DEFAULT_IMMEDIATE_RULES = ("bulk-students-outside", "staff-ssn-outside", "secrets-outside")
DEFAULT_IMMEDIATE_CATEGORIES = ("SPECIAL_EDUCATION",)
DEFAULT_IMMEDIATE_ENTITIES = ("US_SSN",)


@dataclass(frozen=True, slots=True)
class AlertRoute:
    """Extra addresses told of alerts about these rules or categories (either matches)."""

    email: tuple[str, ...]
    rules: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    immediate: bool = False  # these alerts skip the digest

    def matches(self, rules: set[str], categories: set[str]) -> bool:
        if not self.rules and not self.categories:
            return True
        return bool(rules.intersection(self.rules) or categories.intersection(self.categories))


@dataclass(frozen=True, slots=True)
class AlertSettings:
    email: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret_file: Path | None = None
    webhook_timeout: float = 10.0
    # Webhook retries: the first after this long, doubling up to the maximum; never dropped.
    retry_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    digest_minutes: int = 15
    immediate_rules: tuple[str, ...] = DEFAULT_IMMEDIATE_RULES
    immediate_categories: tuple[str, ...] = DEFAULT_IMMEDIATE_CATEGORIES
    immediate_entities: tuple[str, ...] = DEFAULT_IMMEDIATE_ENTITIES
    routes: tuple[AlertRoute, ...] = ()
    # The standing conditions: how often they are looked at, and how often one still true
    # is told again.
    check_seconds: float = 300.0
    repeat_hours: float = 24.0
    quarantine_max_messages: int = 0  # held messages past which to alert; 0: never
    quarantine_max_bytes: int = 0  # their bytes; 0: never
    agreement_days: int = 30  # an agreement expiring within this many days; 0: never
    audit_verify_minutes: int = 60  # the audit chain checked this often; 0: never
    # A sender's distinct students sent outside over 24 hours at which to alert; 0: never.
    students_24h: int = 0

    @property
    def enabled(self) -> bool:
        return bool(self.email or self.webhook_url or self.routes)


def _addresses(table: Table, key: str) -> tuple[str, ...]:
    addresses = table.strings(key, ())
    for address in addresses:
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in address):
            raise table.error(key, f"{address!r} is not an e-mail address")
    return addresses


def _route(table: Table) -> AlertRoute:
    route = AlertRoute(
        email=_addresses(table, "email"),
        rules=table.strings("rules", ()),
        categories=tuple(item.upper() for item in table.strings("categories", ())),
        immediate=table.boolean("immediate", False),
    )
    if not route.email:
        raise table.error("email", "a route needs at least one address")
    table.done()
    return route


def read_alerts(table: Table) -> AlertSettings:
    default = AlertSettings()
    url = table.optional_string("webhook_url", None)
    if url is not None and not url.startswith(("https://", "http://")):
        raise table.error("webhook_url", "must start with https:// (or http:// on loopback)")
    secret = table.path_value("webhook_secret_file", None)
    if url is not None and secret is None:
        raise table.error("webhook_secret_file", "a webhook needs a secret to sign with")
    settings = AlertSettings(
        email=_addresses(table, "email"),
        webhook_url=url,
        webhook_secret_file=secret,
        webhook_timeout=table.number(
            "webhook_timeout", default.webhook_timeout, exclusive_minimum=0.0, maximum=300.0
        ),
        retry_seconds=table.number("retry_seconds", default.retry_seconds, exclusive_minimum=0.0),
        retry_max_seconds=table.number(
            "retry_max_seconds", default.retry_max_seconds, exclusive_minimum=0.0
        ),
        digest_minutes=table.integer(
            "digest_minutes", default.digest_minutes, minimum=1, maximum=1440
        ),
        immediate_rules=table.strings("immediate_rules", default.immediate_rules),
        immediate_categories=tuple(
            item.upper()
            for item in table.strings("immediate_categories", default.immediate_categories)
        ),
        immediate_entities=tuple(
            item.upper() for item in table.strings("immediate_entities", default.immediate_entities)
        ),
        routes=tuple(table.array("route", _route)),
        check_seconds=table.number(
            "check_seconds", default.check_seconds, minimum=1.0, maximum=86400.0
        ),
        repeat_hours=table.number("repeat_hours", default.repeat_hours, exclusive_minimum=0.0),
        quarantine_max_messages=table.integer(
            "quarantine_max_messages", default.quarantine_max_messages, minimum=0
        ),
        quarantine_max_bytes=table.integer(
            "quarantine_max_bytes", default.quarantine_max_bytes, minimum=0
        ),
        agreement_days=table.integer(
            "agreement_days", default.agreement_days, minimum=0, maximum=3650
        ),
        audit_verify_minutes=table.integer(
            "audit_verify_minutes", default.audit_verify_minutes, minimum=0, maximum=10080
        ),
        students_24h=table.integer("students_24h", default.students_24h, minimum=0),
    )
    if "roster_max_age_days" in table.data:
        # One setting for the roster's freshness, read by the gateway's warning and the alert.
        table.read.add("roster_max_age_days")
        table.reader.report(
            table.error("roster_max_age_days", "moved: set [detection] roster_max_age_days")
        )
    table.done()
    return settings
