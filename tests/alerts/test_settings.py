"""``[web] public_url`` and ``[alerts]``: what is accepted, and what is refused with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlp.settings import SettingsError, parse_settings


def test_the_public_url_is_read_without_its_trailing_slash() -> None:
    settings = parse_settings('[web]\npublic_url = "https://dlp.cusd.com/"\n')
    assert settings.web.public_url == "https://dlp.cusd.com"
    assert parse_settings("").web.public_url is None
    assert parse_settings('[web]\npublic_url = ""\n').web.public_url is None


@pytest.mark.parametrize("value", ['"dlp.cusd.com"', '"ftp://dlp.cusd.com"', "42"])
def test_a_public_url_that_is_not_one_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="public_url"):
        parse_settings(f"[web]\npublic_url = {value}\n")


def test_alerts_with_routes_are_read(tmp_path: Path) -> None:
    text = """
[alerts]
email = ["security@cusd.com"]
webhook_url = "https://siem.cusd.com/dlp"
webhook_secret_file = "hook.key"
immediate_categories = ["special_education"]
[[alerts.route]]
categories = ["health"]
email = ["nurse@cusd.com"]
immediate = true
"""
    alerts = parse_settings(text, "gateway.toml", tmp_path).alerts
    assert alerts.enabled and alerts.email == ("security@cusd.com",)
    assert alerts.webhook_secret_file == tmp_path / "hook.key"
    assert alerts.immediate_categories == ("SPECIAL_EDUCATION",)
    [route] = alerts.routes
    assert (
        route.categories == ("HEALTH",) and route.immediate and route.email == ("nurse@cusd.com",)
    )
    assert not parse_settings("").alerts.enabled


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('webhook_url = "https://x.example/h"\n', "webhook_secret_file"),
        ('webhook_url = "x.example/h"\nwebhook_secret_file = "k"\n', "webhook_url"),
        ('email = ["not an address"]\n', "email"),
        ('email = ["security@cusd.com"]\n[[alerts.route]]\nrules = ["a"]\n', "email"),
        ('emails = ["security@cusd.com"]\n', "emails"),
    ],
)
def test_alert_settings_that_cannot_work_are_refused_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(f"[alerts]\n{text}")
    assert key in str(caught.value)
