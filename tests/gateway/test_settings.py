"""dlp.settings: embedded defaults, the sample file, and errors that name file, line and key."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from dlp.delivery import LocalFolder, MxDelivery, NextHop, TlsMode
from dlp.settings import (
    REJECT_STYLE_CHOICES,
    SCAN_FAILURE_CHOICES,
    Address,
    DeliveryMode,
    SettingsError,
    load_settings,
    parse_settings,
)
from smtp_gateway.options import RejectStyle, RelayOptions, ScanFailure

REPO = Path(__file__).resolve().parents[2]


def test_embedded_defaults_work_on_a_fresh_machine() -> None:
    settings = load_settings(None)
    assert settings.policy_file == Path("samples/policy.toml")
    assert settings.quarantine.url == "sqlite:///var/quarantine.db"
    assert settings.gateway.listen == Address("127.0.0.1", 10025)
    assert settings.delivery.mode is DeliveryMode.FOLDER
    assert settings.delivery.target() == LocalFolder(Path("var/delivered"))
    assert RelayOptions.of(settings).on_scan_failure is ScanFailure.TEMPFAIL
    assert ipaddress.ip_address("127.0.0.1") in settings.gateway.client_networks[0]


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    file = tmp_path / "gateway.toml"
    file.write_text("")
    settings = load_settings(file)
    assert settings.gateway == load_settings(None).gateway
    assert settings.source == str(file)


def test_the_sample_file_loads() -> None:
    settings = load_settings(REPO / "samples" / "gateway.toml")
    assert settings.policy_file.resolve() == (REPO / "samples" / "policy.toml").resolve()
    assert settings.gateway.listen.port == 10025
    assert settings.gateway.max_findings_per_type == 1000


def test_relative_paths_follow_the_file(tmp_path: Path) -> None:
    text = """
[policy]
file = "rules.toml"
[detection]
secret_file = "keys/secret"
[quarantine]
url = "sqlite:///q.db"
[delivery]
next_hop = "127.0.0.1:10026"
tls = "none"
"""
    settings = parse_settings(text, "x.toml", tmp_path)
    assert settings.policy_file == tmp_path / "rules.toml"
    assert settings.detection.secret_file == tmp_path / "keys" / "secret"
    assert settings.quarantine.url == f"sqlite:///{tmp_path}/q.db"
    assert settings.delivery.target() == NextHop("127.0.0.1", 10026, tls=TlsMode.NONE)


def test_mx_mode_and_choices() -> None:
    settings = parse_settings(
        '[delivery]\nmode = "mx"\ntls = "verify"\n[gateway]\non_reject = "notice"\n'
        'on_scan_failure = "policy"\nclient_networks = ["10.0.0.0/8", "2001:db8::/32"]\n'
        'metrics_listen = ""\n'
    )
    assert settings.delivery.target() == MxDelivery(tls=TlsMode.VERIFY)
    assert RelayOptions.of(settings).on_reject is RejectStyle.NOTICE
    assert RelayOptions.of(settings).on_scan_failure is ScanFailure.POLICY
    assert settings.gateway.metrics_listen is None
    assert len(settings.gateway.client_networks) == 2


def test_the_words_the_file_takes_are_the_gateways_choices() -> None:
    """`dlp.settings` checks the words without importing the gateway's enums: the two lists
    are one list."""
    assert tuple(choice.value for choice in ScanFailure) == SCAN_FAILURE_CHOICES
    assert tuple(choice.value for choice in RejectStyle) == REJECT_STYLE_CHOICES


def test_web_trusts_no_proxy_unless_told() -> None:
    assert load_settings(None).web.trusted_proxies == ()
    settings = parse_settings('[web]\ntrusted_proxies = ["10.0.0.5", "fd00::/64"]\n')
    assert settings.web.trusted_proxies == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("fd00::/64"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[gateway]\nlisten = "nowhere"\n', "x.toml:2: gateway.listen: must be HOST:PORT"),
        (
            "[gateway]\n\nmax_recipients = 0\n",
            "x.toml:3: gateway.max_recipients: must be at least 1",
        ),
        (
            "[gateway]\nmax_findings_per_type = 0\n",
            "x.toml:2: gateway.max_findings_per_type: must be at least 1",
        ),
        ('[gateway]\nclient_networks = ["300.1.1.1/8"]\n', "x.toml:2: gateway.client_networks:"),
        ('[gateway]\non_reject = "bounce"\n', 'x.toml:2: gateway.on_reject: must be one of "smtp"'),
        ('[delivery]\nmode = "next_hop"\n', 'x.toml:2: delivery.mode: mode "next_hop" needs'),
        ("[detection]\nthreshold = 2\n", "x.toml:2: detection.threshold: must be more than 0.0"),
        ('[quarantine]\nurl = "mysql://x"\n', "x.toml:2: quarantine.url: must start with"),
        ("[gateway]\nlisten_on = 1\n", "x.toml:2: gateway.listen_on: unknown key"),
        ("[gateway.tls]\nrequired = true\n", "x.toml:2: gateway.tls.required: requiring STARTTLS"),
        (
            '[gateway.auth]\nusers_file = "u"\n',
            "x.toml:2: gateway.auth.users_file: AUTH is offered",
        ),
        ('[logging]\nlevel = "loud"\n', "x.toml:2: logging.level: must be one of"),
        ('[web]\ntrusted_proxies = ["proxy.example"]\n', "x.toml:2: web.trusted_proxies: "),
        ('[web]\ntrusted_proxy = ["10.0.0.5"]\n', "x.toml:2: web.trusted_proxy: unknown key"),
        ('[gateway]\nworkers = "two"\n', "x.toml:2: gateway.workers: must be a whole number"),
        ("\n\n[gateway\n", "x.toml:3: not valid TOML"),
        ("wat = 1\n", "x.toml:1: wat: unknown key"),
    ],
)
def test_errors_name_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, "x.toml")
    assert str(caught.value).startswith(expected), str(caught.value)


def test_settings_are_immutable() -> None:
    settings = load_settings(None)
    with pytest.raises(AttributeError):
        settings.gateway.max_recipients = 5  # type: ignore[misc]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")
