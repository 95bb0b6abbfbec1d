"""``[siem]``: the syslog target, the format, and what is refused naming its key."""

from __future__ import annotations

import pytest

from dlp.settings import SettingsError, parse_settings


@pytest.mark.parametrize(
    ("target", "transport", "host", "port"),
    [
        ("udp://siem.cusd.com:514", "udp", "siem.cusd.com", 514),
        ("tcp://10.0.0.5:601", "tcp", "10.0.0.5", 601),
        ("tls://[::1]:6514", "tls", "::1", 6514),
    ],
)
def test_a_syslog_target_is_read(target: str, transport: str, host: str, port: int) -> None:
    siem = parse_settings(f'[siem]\nsyslog = "{target}"\nformat = "cef"\n').siem
    assert siem.enabled and (siem.transport, siem.host, siem.port) == (transport, host, port)
    assert siem.format == "cef"
    assert not parse_settings("").siem.enabled


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('syslog = "siem.cusd.com:514"', "syslog"),
        ('syslog = "http://siem.cusd.com:514"', "syslog"),
        ('syslog = "udp://siem.cusd.com"', "syslog"),
        ('syslog = "udp://siem.cusd.com:70000"', "syslog"),
        ('format = "leef"', "format"),
        ('app_name = "has space and is far too long for the rfc 5424 app-name field"', "app_name"),
    ],
)
def test_a_siem_setting_that_cannot_work_is_refused(text: str, key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(f"[siem]\n{text}\n")
    assert key in str(caught.value)
