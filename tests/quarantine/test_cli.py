"""`dlp quarantine` and `dlp web user` through the real CLI, on a settings file of their own."""

from __future__ import annotations

import json
import os
import secrets

import pytest

from dlp.cli import main
from dlp.quarantine.crypto import KEY_ENV, load_keyring, parse_key
from dlp.quarantine.store import QuarantineStore
from tests.quarantine.conftest import MESSAGE, OUTSIDE, SAMPLE_POLICY, SENDER


@pytest.fixture
def config(tmp_path):
    key_file = tmp_path / "q.key"
    key_file.write_text(secrets.token_hex(32))
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[policy]\nfile = "{SAMPLE_POLICY}"\n'
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        '[audit]\nfile = "audit.log"\n[delivery]\nmode = "folder"\nfolder = "out"\n'
    )
    return path


def _held(config, decision, scan, count=1):
    key = parse_key((config.parent / "q.key").read_bytes())
    store = QuarantineStore.open(f"sqlite:///{config.parent / 'q.db'}", key)
    ids = [
        store.hold(MESSAGE, SENDER, [OUTSIDE], decision, scan, "<m@cusd.com>") for _ in range(count)
    ]
    store.close()
    return ids


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_show_reveal_release_reject_export(config, held_decision, held_scan, capsys):
    first, second, third = _held(config, held_decision, held_scan, 3)
    c = ["quarantine", "--config", str(config)]
    code, out, _ = run(capsys, *c, "list", "--json")
    assert code == 0 and {json.loads(line)["id"] for line in out.splitlines()} == {
        first,
        second,
        third,
    }
    code, out, _ = run(capsys, *c, "show", first)
    assert code == 0 and "***-**-1234" in out and "536-22-1234" not in out
    assert "[[***-**-1234]]" in out and "secrets-outside" in out
    code, out, _ = run(capsys, *c, "show", first, "--reveal")
    assert code == 0 and "REVEALED: 536-22-1234" in out
    code, out, _ = run(capsys, *c, "release", first, "--note", "ok")
    assert code == 0 and "released to" in out
    delivered = list((config.parent / "out" / "new").iterdir())
    assert len(delivered) == 1 and delivered[0].read_bytes().endswith(MESSAGE)
    code, _, err = run(capsys, *c, "reject", second)
    assert code == 2 and "--note" in err
    code, out, _ = run(capsys, *c, "export", third, "-o", str(config.parent / "x.eml"))
    assert code == 0 and (config.parent / "x.eml").read_bytes() == MESSAGE
    assert oct((config.parent / "x.eml").stat().st_mode & 0o777) == "0o600"
    code, out, _ = run(capsys, *c, "legal-hold", third, "on")
    assert code == 0 and "legal hold on" in out
    code, out, err = run(capsys, *c, "delete", third)
    assert code == 1 and "legal hold" in err
    # Bulk: every held message from this sender (only the second is still held).
    code, out, _ = run(capsys, *c, "reject", "--sender", "teacher@", "--note", "use the SIS")
    assert code == 0 and f"{second}: rejected" in out and first not in out
    notices = [p.read_bytes() for p in (config.parent / "out" / "new").iterdir()]
    assert any(b"use the SIS" in notice for notice in notices)
    code, out, _ = run(capsys, *c, "list", "--status", "rejected")
    assert second in out and first not in out
    code, out, _ = run(capsys, *c, "purge", "--dry-run")
    assert code == 0 and "0 message(s) past retention" in out
    code, out, _ = run(capsys, "audit", "verify", "--config", str(config))
    assert code == 0 and "chain intact" in out
    log = (config.parent / "audit.log").read_text()
    assert "536-22-1234" not in log
    assert {"quarantine-reveal", "quarantine-release", "quarantine-export"} <= {
        json.loads(line)["event"] for line in log.splitlines()
    }


def test_usage_errors(config, capsys):
    c = ["quarantine", "--config", str(config)]
    assert run(capsys, *c, "show", "0000000000000000")[0] == 2
    assert run(capsys, *c, "release")[0] == 2
    assert run(capsys, *c, "list", "--since", "yesterday-ish")[0] == 2
    os.remove(config.parent / "q.key")
    code, _, err = run(capsys, *c, "list")
    assert code == 2 and "quarantine key" in err


def test_web_user_command(config, capsys, monkeypatch):
    monkeypatch.setenv("DLP_WEB_PASSWORD", "a long enough password")
    code, out, _ = run(capsys, "web", "--config", str(config), "user", "ann", "--role", "admin")
    assert code == 0 and "ann: admin" in out
    monkeypatch.setenv("DLP_WEB_PASSWORD", "short")
    assert run(capsys, "web", "--config", str(config), "user", "bob", "--role", "viewer")[0] == 2
    code, _, err = run(capsys, "web", "--config", str(config), "serve", "--listen", "0.0.0.0:8025")
    assert code == 2 and "loopback" in err


def test_keyring_from_environment_and_old_keys(tmp_path):
    (tmp_path / "k").write_text("11" * 32)
    (tmp_path / "k.old").write_text("22" * 32 + "\n" + "33" * 32 + "\n")
    ring = load_keyring({}, tmp_path / "k")
    assert ring.current.material == bytes.fromhex("11" * 32) and len(ring.old) == 2
    from_env = load_keyring({KEY_ENV: "44" * 32}, tmp_path / "k")
    assert from_env.current.material == bytes.fromhex("44" * 32)
