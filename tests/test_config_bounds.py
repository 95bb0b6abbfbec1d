"""Every bounded key of the three TOML files, at its boundary: the value on the edge and the one
just past it. Written before the readers were merged into `dlp.tomlreader`, so that each key
keeps exactly the bounds it accepted then ("at least" and "more than" are not the same)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dlp.detect.specs import SpecError, parse_entity_spec
from dlp.model import Category
from dlp.policy import PolicyError, parse_policy
from dlp.settings import SettingsError, parse_settings

_POLICY = 'version = 1\n[district]\ndomains = ["cusd.example"]\n'


def _policy(table: str, key: str, value: str) -> None:
    if table:
        parse_policy(f"{_POLICY}[{table}]\n{key} = {value}\n")
    else:
        parse_policy(f"{key} = {value}\n{_POLICY.removeprefix('version = 1')}")


def _settings(table: str, key: str, value: str) -> None:
    parse_settings(f"[{table}]\n{key} = {value}\n")


def _keyword_weight(table: str, key: str, value: str) -> None:
    parse_settings(f'[{table}]\n{key} = [{{term = "report card", weight = {value}}}]\n')


def _spec(table: str, key: str, value: str) -> None:
    category = Category.IDENTIFIER.value
    head = f'entity_type = "LOCKER_CODE"\ncategory = "{category}"\n'
    pattern = '[[patterns]]\nname = "p"\nregex = "L-[0-9]{4}"\n'
    if table == "patterns":
        parse_entity_spec(f"{head}{pattern}{key} = {value}\n", "x.toml")
    else:
        parse_entity_spec(f"{head}[{table}]\n{key} = {value}\n{pattern}", "x.toml")


Reader = Callable[[str, str, str], None]
_ERRORS: dict[Reader, type[Exception]] = {
    _policy: PolicyError,
    _settings: SettingsError,
    _keyword_weight: SettingsError,
    _spec: SpecError,
}

# (reader, table, key, accepted values, refused values): the values are TOML literals.
BOUNDS: list[tuple[Reader, str, str, tuple[str, ...], tuple[str, ...]]] = [
    # the policy: thresholds are inclusive
    (_policy, "", "version", ("1",), ("0", "-1")),
    (_policy, "defaults", "min_score", ("0", "0.0", "1.0", "0.4"), ("-0.01", "1.01")),
    (_policy, "defaults", "min_count", ("1", "7"), ("0",)),
    (_policy, "defaults", "weight", ("0", "0.0", "100.5"), ("-0.5",)),
    (_policy, "defaults", "weight_cap", ("1",), ("0",)),
    (_policy, "entities.US_SSN", "min_score", ("0.0", "1"), ("-0.1", "1.5")),
    (_policy, "entities.US_SSN", "min_count", ("1",), ("0",)),
    (_policy, "entities.US_SSN", "weight", ("0",), ("-1",)),
    (_policy, "entities.US_SSN", "weight_cap", ("1",), ("0",)),
    (_policy, "lookalike", "max_distance", ("0", "3"), ("-1",)),
    (_policy, "lookalike", "min_length", ("1",), ("0",)),
    (_policy, "families", "eligible_student_parents", ("true", "false"), ("1", '"yes"')),
    # the settings: durations and the threshold are "more than" their floor
    (_settings, "detection", "threshold", ("0.01", "1", "1.0"), ("0", "0.0", "1.01", "-1")),
    (_settings, "detection", "roster_max_age_days", ("0", "3650"), ("-1", "3651", "1.5")),
    (_settings, "detection", "roster_check_seconds", ("0.1", "3600"), ("0.09", "0", "3601")),
    (_settings, "quarantine", "retention_days", ("90", "400"), ("89", "0", "-1")),
    (
        _settings,
        "quarantine",
        "disclosure_retention_days",
        ("365", "36500"),
        ("364", "36501", "0"),
    ),
    (_settings, "gateway", "max_message_bytes", ("1024",), ("1023",)),
    (_settings, "gateway", "max_recipients", ("1",), ("0",)),
    (_settings, "gateway", "max_line_length", ("78",), ("77",)),
    (_settings, "gateway", "idle_timeout", ("0.001", "1"), ("0", "-1")),
    (_settings, "gateway", "scan_timeout", ("0.5",), ("0", "0.0")),
    (_settings, "gateway", "workers", ("0", "4"), ("-1",)),
    (_settings, "gateway", "max_pending", ("0",), ("-1",)),
    (_settings, "gateway", "drain_seconds", ("0.1",), ("0",)),
    (_settings, "gateway", "notice_retry_seconds", ("1",), ("0",)),
    (_settings, "gateway", "notice_retry_max_seconds", ("1",), ("0",)),
    (_settings, "gateway", "notice_alert_seconds", ("1",), ("0",)),
    (_settings, "delivery", "timeout", ("0.5",), ("0",)),
    (_settings, "web", "override_per_day", ("0", "100"), ("-1", "101")),
    (_settings, "web", "override_link_hours", ("1", "336"), ("0", "337")),
    (_settings, "portal", "link_days", ("1", "365"), ("0", "366")),
    (_settings, "portal", "code_minutes", ("1", "60"), ("0", "61")),
    (_settings, "portal", "code_tries", ("1", "20"), ("0", "21")),
    (_settings, "portal", "lockout_minutes", ("1", "1440"), ("0", "1441")),
    (_settings, "portal", "codes_per_hour", ("1", "60"), ("0", "61")),
    (_settings, "portal", "retention_days", ("90", "400"), ("89", "0")),
    (_settings, "delivery", "threads", ("1",), ("0",)),
    (_settings, "audit", "checkpoint_every", ("1",), ("0",)),
    (_settings, "audit", "rotate_bytes", ("0", "1048576"), ("-1",)),
    (_settings, "alerts", "digest_minutes", ("1", "1440"), ("0", "1441")),
    (_settings, "alerts", "webhook_timeout", ("0.1", "300"), ("0", "300.5")),
    (_settings, "alerts", "retry_seconds", ("0.5",), ("0",)),
    (_settings, "alerts", "retry_max_seconds", ("1",), ("0",)),
    (_settings, "alerts", "check_seconds", ("1", "86400"), ("0.5", "86401")),
    (_settings, "alerts", "repeat_hours", ("0.1",), ("0",)),
    (_settings, "alerts", "quarantine_max_messages", ("0", "500"), ("-1",)),
    (_settings, "alerts", "quarantine_max_bytes", ("0",), ("-1",)),
    (_settings, "alerts", "agreement_days", ("0", "3650"), ("-1", "3651")),
    (_settings, "alerts", "audit_verify_minutes", ("0", "10080"), ("-1", "10081")),
    (_settings, "alerts", "students_24h", ("0", "40"), ("-1",)),
    (_settings, "quarantine", "decision_retention_days", ("1", "3650"), ("0", "3651")),
    (_settings, "upkeep", "purge_hours", ("0.1", "720"), ("0", "721")),
    (_settings, "upkeep", "checkpoint_minutes", ("0.1", "1440"), ("0.05", "1441")),
    (_settings, "upkeep", "agreement_hours", ("0.1", "720"), ("0", "721")),
    (_settings, "upkeep", "roster_hours", ("0.1", "720"), ("0", "721")),
    (_settings, "upkeep", "lock_minutes", ("0.1", "1440"), ("0", "1441")),
    (_settings, "siem", "facility", ("0", "23"), ("-1", "24")),
    (_settings, "siem", "timeout", ("0.1", "300"), ("0", "301")),
    (_settings, "siem", "queue_size", ("1", "1000000"), ("0", "1000001")),
    (_keyword_weight, "detection.keywords", "GRADES", ("0.01", "10", "10.0"), ("0", "10.01")),
    # the recognizer files
    (_spec, "patterns", "score", ("0.01", "1", "1.0"), ("0", "0.0", "1.01")),
    (_spec, "context", "before", ("0", "64", "-1"), ()),
    (_spec, "context", "after", ("0", "24", "-1"), ()),
]


def _cases(accepted: bool) -> list[object]:
    return [
        pytest.param(reader, table, key, value, id=f"{table or 'top'}.{key}={value}")
        for reader, table, key, good, bad in BOUNDS
        for value in (good if accepted else bad)
    ]


@pytest.mark.parametrize(("reader", "table", "key", "value"), _cases(True))
def test_a_value_on_the_boundary_is_accepted(
    reader: Reader, table: str, key: str, value: str
) -> None:
    reader(table, key, value)


@pytest.mark.parametrize(("reader", "table", "key", "value"), _cases(False))
def test_a_value_past_the_boundary_is_refused_naming_the_key(
    reader: Reader, table: str, key: str, value: str
) -> None:
    with pytest.raises(_ERRORS[reader]) as caught:
        reader(table, key, value)
    assert key in str(caught.value)
