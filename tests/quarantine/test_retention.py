"""``[quarantine] retention_days``: read and checked by the settings, used by every opener."""

from __future__ import annotations

import secrets

import pytest

from dlp.quarantine.records import Status
from dlp.quarantine.store import DAY, MIN_RETENTION_DAYS, QuarantineStore
from dlp.quarantine.wiring import open_store
from dlp.settings import QuarantineSettings, SettingsError, load_settings, parse_settings
from smtp_gateway.holding import open_holder
from tests.quarantine.conftest import MESSAGE, OUTSIDE, SENDER, another
from tests.quarantine.test_cli import run


def _settings_file(tmp_path, retention: str) -> str:
    (tmp_path / "q.key").write_text(secrets.token_hex(32))
    path = tmp_path / "gateway.toml"
    path.write_text(
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        f"{retention}"
        '[audit]\nfile = "audit.log"\n'
        '[detection]\nsecret_file = "secret.key"\n'  # the audit keys go beside it
    )
    return str(path)


def _kept_days(store: QuarantineStore, held_decision, held_scan, n: int = 0) -> float:
    held = store.hold(another(n), SENDER, [OUTSIDE], held_decision, held_scan, "<r@cusd.com>")
    message = store.get(held)
    return (message.expires - message.received) / DAY


def test_default_is_a_year_and_the_floor_is_the_regulations():
    assert QuarantineSettings().retention_days == 365
    assert load_settings(None).quarantine.retention_days == 365
    assert parse_settings("[quarantine]\nretention_days = 90\n").quarantine.retention_days == 90
    # The settings and the store refuse the same values.
    with pytest.raises(SettingsError):
        parse_settings(f"[quarantine]\nretention_days = {MIN_RETENTION_DAYS - 1}\n")


@pytest.mark.parametrize("value", ["89", "0", "-5"])
def test_below_ninety_days_is_refused_with_its_line(value):
    text = f'# district\n[quarantine]\nurl = "sqlite:////tmp/q.db"\nretention_days = {value}\n'
    with pytest.raises(SettingsError) as raised:
        parse_settings(text, "gateway.toml")
    assert str(raised.value).startswith("gateway.toml:4: quarantine.retention_days: must be at")


def test_retention_must_be_a_whole_number():
    with pytest.raises(SettingsError, match="retention_days: must be a whole number"):
        parse_settings('[quarantine]\nretention_days = "forever"\n')


def test_open_store_uses_the_configured_retention(tmp_path, held_decision, held_scan):
    settings = load_settings(_settings_file(tmp_path, "retention_days = 120\n"))
    store = open_store(settings, {})
    try:
        assert _kept_days(store, held_decision, held_scan) == 120
    finally:
        store.close()


def test_gateway_holder_uses_the_configured_retention(tmp_path, held_decision, held_scan):
    quarantine = load_settings(_settings_file(tmp_path, "retention_days = 200\n")).quarantine
    holder = open_holder(
        quarantine.url,
        quarantine.key_file,
        quarantine.folder,
        {},
        retention_days=quarantine.retention_days,
    )
    assert isinstance(holder, QuarantineStore)
    try:
        assert _kept_days(holder, held_decision, held_scan) == 200
    finally:
        holder.close()
    default = open_holder(quarantine.url, quarantine.key_file, quarantine.folder, {})
    assert isinstance(default, QuarantineStore)
    try:
        assert _kept_days(default, held_decision, held_scan, 1) == 365
    finally:
        default.close()


def test_commands_refuse_a_short_retention_and_purge_by_the_stored_expiry(
    tmp_path, capsys, held_decision, held_scan
):
    short = _settings_file(tmp_path, "retention_days = 30\n")
    for argv in (["quarantine", "--config", short, "list"], ["web", "--config", short]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "gateway.toml:4: quarantine.retention_days" in err
    config = _settings_file(tmp_path, "retention_days = 90\n")
    store = open_store(load_settings(config), {})
    try:
        held = store.hold(MESSAGE, SENDER, [OUTSIDE], held_decision, held_scan, "<r@cusd.com>")
        store.set_expiry(held, store.get(held).received)  # as if 90 days had gone by
    finally:
        store.close()
    code, out, _ = run(capsys, "quarantine", "purge", "--config", config)
    assert code == 0 and f"{held}: expired" in out
    store = open_store(load_settings(config), {})
    try:
        assert store.get(held).status is Status.EXPIRED
    finally:
        store.close()
