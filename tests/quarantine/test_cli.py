"""`dlp quarantine` and `dlp web user` through the real CLI, on a settings file of their own."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from dlp.cli import main
from dlp.quarantine.crypto import KEY_ENV, load_keyring, parse_key
from dlp.quarantine.records import Status
from dlp.quarantine.store import QuarantineStore
from tests.actions.test_smime import write_unusable_certificate
from tests.quarantine.conftest import MESSAGE, OUTSIDE, REPO, SAMPLE_POLICY, SENDER, another
from tests.web.served import dlp_web


@pytest.fixture
def config(tmp_path):
    key_file = tmp_path / "q.key"
    key_file.write_text(secrets.token_hex(32))
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[policy]\nfile = "{SAMPLE_POLICY}"\n'
        '[detection]\nsecret_file = "secret.key"\n'  # the audit keys go beside it
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        '[audit]\nfile = "audit.log"\n[delivery]\nmode = "folder"\nfolder = "out"\n'
    )
    return path


def _held(config, decision, scan, count=1):
    key = parse_key((config.parent / "q.key").read_bytes())
    store = QuarantineStore.open(f"sqlite:///{config.parent / 'q.db'}", key)
    ids = [
        store.hold(another(n), SENDER, [OUTSIDE], decision, scan, "<m@cusd.com>")
        for n in range(count)
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
    assert code == 0 and (config.parent / "x.eml").read_bytes() == another(2)
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


def _status(config, held_id):
    store = QuarantineStore.open(
        f"sqlite:///{config.parent / 'q.db'}", parse_key((config.parent / "q.key").read_bytes())
    )
    try:
        return store.get(held_id).status
    finally:
        store.close()


def test_bulk_actions_touch_only_held_messages(config, held_decision, held_scan, capsys):
    released, rejected, held, expired = _held(config, held_decision, held_scan, 4)
    c = ["quarantine", "--config", str(config)]
    assert run(capsys, *c, "release", released)[0] == 0
    assert run(capsys, *c, "reject", rejected, "--note", "no")[0] == 0
    assert run(capsys, *c, "delete", expired, "--note", "gone")[0] == 0
    code, out, err = run(capsys, *c, "delete", "--sender", "teacher@", "--note", "tidy")
    assert code == 0 and err == ""
    assert f"{held}: deleted" in out
    assert "skipped 3 message(s) that delete cannot touch: 1 deleted, 1 rejected, 1 released" in out
    assert _status(config, released) is Status.RELEASED
    assert _status(config, rejected) is Status.REJECTED
    assert _status(config, held) is Status.DELETED
    # Asking for another state in bulk skips rather than overwrites.
    code, out, _ = run(capsys, *c, "reject", "--status", "released", "--note", "late")
    assert code == 0 and "skipped 1 message(s) that reject cannot touch: 1 released" in out
    assert "no messages to act on" in out and _status(config, released) is Status.RELEASED
    # A bulk export takes what still has its bytes.
    folder = config.parent / "exported"
    folder.mkdir()
    code, out, _ = run(capsys, *c, "export", "--all", "-o", str(folder))
    assert code == 0 and "skipped 2 message(s) that export cannot touch: 2 deleted" in out
    assert sorted(p.stem for p in folder.iterdir()) == sorted([released, rejected])
    log = [json.loads(line) for line in (config.parent / "audit.log").read_text().splitlines()]
    assert [e["held_id"] for e in log if e["event"] == "quarantine-delete"] == [expired, held]


def test_bulk_delete_keeps_a_legal_hold_as_skipped(config, held_decision, held_scan, capsys):
    kept, gone = _held(config, held_decision, held_scan, 2)
    c = ["quarantine", "--config", str(config)]
    assert run(capsys, *c, "legal-hold", kept, "on", "--note", "subpoena")[0] == 0
    code, out, _ = run(capsys, *c, "delete", "--all")
    assert code == 0 and f"{gone}: deleted" in out and "1 under legal hold" in out
    assert _status(config, kept) is Status.HELD


def test_false_positives_command(config, held_decision, held_scan, capsys):
    [held] = _held(config, held_decision, held_scan)
    c = ["quarantine", "--config", str(config)]
    code, out, _ = run(capsys, *c, "false-positives")
    assert code == 0 and "no false positives recorded" in out
    from dlp.audit import AuditLog
    from dlp.quarantine.triage import Actor, Triage

    store = QuarantineStore.open(
        f"sqlite:///{config.parent / 'q.db'}", parse_key((config.parent / "q.key").read_bytes())
    )
    try:
        triage = Triage(store, AuditLog(config.parent / "audit.log"))
        finding = triage.not_sensitive(Actor("rita", "web"), held, 0, "a worksheet's sample")
    finally:
        store.close()
    code, out, _ = run(capsys, *c, "false-positives", "--format", "json")
    assert code == 0
    [entry] = json.loads(out)["false_positives"]
    assert entry == {
        "digest": finding.digest,
        "entity_type": finding.entity_type,
        "masked": "***-**-1234",
        "held_id": held,
        "recorded": entry["recorded"],
        "recorded_by": "rita",
        "note": "a worksheet's sample",
    }
    assert abs(entry["recorded"] - time.time()) < 600
    code, out, _ = run(capsys, "quarantine", "false-positives", "--config", str(config))
    assert code == 0 and f"US_SSN ***-**-1234  digest {finding.digest}" in out
    assert f"message {held}" in out and "by rita: a worksheet's sample" in out
    assert "536-22-1234" not in out
    log = (config.parent / "audit.log").read_text()
    assert log.count('"event":"quarantine-false-positives"') == 3
    # The TOML form goes into the policy's allow list, and the value stops counting there.
    code, out, _ = run(capsys, *c, "false-positives", "--format", "toml")
    assert code == 0 and out.startswith("[[allow]]\n") and "536-22-1234" not in out
    from dlp.policy import load_policy
    from dlp.policy.facts import content_facts

    allowing = config.parent / "policy.toml"
    allowing.write_text(SAMPLE_POLICY.read_text() + "\n" + out)
    before, after = load_policy(SAMPLE_POLICY), load_policy(allowing)
    assert after.allowed == {(finding.entity_type, finding.digest)}
    # The message holds two SSNs; the one marked "not sensitive" no longer counts.
    assert content_facts(before, held_scan).counts["US_SSN"] == 2
    assert content_facts(after, held_scan).counts["US_SSN"] == 1


def test_config_before_or_after_the_action(config, held_decision, held_scan, capsys, monkeypatch):
    [held] = _held(config, held_decision, held_scan)
    code, out, _ = run(capsys, "quarantine", "list", "--config", str(config), "--json")
    assert code == 0 and json.loads(out)["id"] == held
    monkeypatch.setenv("DLP_WEB_PASSWORD", "a long enough password")
    code, out, _ = run(capsys, "web", "user", "ann", "--role", "viewer", "--config", str(config))
    assert code == 0 and "ann: viewer" in out
    code, out, _ = run(capsys, "audit", "--config", str(config), "verify")
    assert code == 0 and "chain intact" in out
    for argv in (
        ["web", "--config", str(config), "--listen", "0.0.0.0:8025"],
        ["web", "serve", "--config", str(config), "--listen", "0.0.0.0:8025"],
        ["web", "--listen", "0.0.0.0:8025", "--config", str(config), "serve"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "loopback" in err and "0.0.0.0" in err


@pytest.mark.parametrize("action", [[], ["serve"]])
def test_bare_dlp_web_serves(config, action):
    with dlp_web(config, *action) as base:
        with urllib.request.urlopen(f"{base}/login", timeout=5) as page:
            assert page.status == 200 and b'name="csrf"' in page.read()
        # The queue sends an anonymous visitor to the login page.
        with urllib.request.urlopen(f"{base}/", timeout=5) as page:
            assert page.url.endswith("/login") and b"536-22" not in page.read()


def test_encrypted_release_that_cannot_encrypt_says_why_and_keeps_it_held(
    tmp_path, config, held_decision, held_scan, capsys
):
    policy = tmp_path / "policy.toml"
    policy.write_text(SAMPLE_POLICY.read_text())
    write_unusable_certificate(tmp_path / "certs", OUTSIDE)
    config.write_text(config.read_text().replace(str(SAMPLE_POLICY), str(policy)))
    [held] = _held(config, held_decision, held_scan)
    c = ["quarantine", "--config", str(config)]
    code, out, err = run(capsys, *c, "release", held, "--encrypt", "--note", "ok")
    assert code == 1, out
    assert f"{held}: release failed: still held for {OUTSIDE}" in err
    assert f"not sent: S/MIME encryption: the certificate for {OUTSIDE} cannot be used" in err
    assert _status(config, held) is Status.HELD
    assert not (tmp_path / "out" / "new").exists()  # nothing written, in clear or otherwise


def test_show_into_a_closed_pipe_is_not_a_usage_error(config, held_decision, held_scan):
    """`dlp quarantine show ID | head -1` exited 2 (the broken pipe taken for a bad input)."""
    from tests.closed_pipe import run_into_closed_pipe

    (held,) = _held(config, held_decision, held_scan)
    for argv in (["show", held], ["list"]):
        result = run_into_closed_pipe("quarantine", "--config", str(config), *argv, cwd=REPO)
        assert result.returncode == 141, result.stderr
        assert b"Traceback" not in result.stderr and b"dlp:" not in result.stderr


def _dlp_process(*argv: str, stdin: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlp", *argv],
        input=stdin,
        capture_output=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_web_user_takes_a_piped_password_with_password_stdin(config):
    """`echo "$PW" | dlp web user ann --role admin --password-stdin`, through a real pipe:
    the password is the line without its line break (spaces kept), and nothing else works."""
    from dlp.web.accounts import Accounts

    env = {"DLP_WEB_PASSWORD": ""}
    c = ["web", "--config", str(config), "user"]
    piped = b" a long enough password \n"
    result = _dlp_process(*c, "ann", "--role", "admin", "--password-stdin", stdin=piped, env=env)
    assert result.returncode == 0, result.stderr
    assert b"ann: admin" in result.stdout
    # Without the flag, a pipe is not a terminal: a one-line error that names both ways.
    result = _dlp_process(*c, "bob", "--role", "viewer", stdin=piped, env=env)
    assert result.returncode == 2
    assert b"--password-stdin" in result.stderr and b"DLP_WEB_PASSWORD" in result.stderr
    result = _dlp_process(*c, "cy", "--role", "viewer", "--password-stdin", stdin=b"", env=env)
    assert result.returncode == 2 and b"no password" in result.stderr
    key = parse_key((config.parent / "q.key").read_bytes())
    store = QuarantineStore.open(f"sqlite:///{config.parent / 'q.db'}", key)
    try:
        accounts = Accounts(store)
        assert accounts.authenticate("ann", " a long enough password ") is not None
        assert accounts.authenticate("ann", " a long enough password \n") is None
        assert accounts.current("bob") is None and accounts.current("cy") is None
    finally:
        store.close()


def test_encrypted_release_to_a_folder_never_writes_a_clear_copy(
    config, held_decision, held_scan, capsys
):
    """The folder sink has no TLS: `release --encrypt` printed "released encrypted" and wrote
    the message in clear. Without a certificate it is now refused and stays held; with one,
    the line says S/MIME and the written copy is enveloped."""
    from cryptography.hazmat.primitives import serialization

    from tests.actions.test_smime import make_certificate

    (held,) = _held(config, held_decision, held_scan)
    c = ["quarantine", "--config", str(config)]
    code, out, err = run(capsys, *c, "release", held, "--encrypt")
    assert code == 1 and "in clear" in err and "no S/MIME certificate" in err
    assert "released" not in out
    assert not (config.parent / "out" / "new").exists()
    assert _status(config, held) is Status.HELD

    policy = config.parent / "policy.toml"
    policy.write_text(
        SAMPLE_POLICY.read_text().replace('certificates = "certs"', 'certificates = "mine"')
    )
    (config.parent / "mine").mkdir()
    certificate, _ = make_certificate(OUTSIDE)
    (config.parent / "mine" / "outside.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
    )
    config.write_text(config.read_text().replace(str(SAMPLE_POLICY), "policy.toml"))
    code, out, err = run(capsys, *c, "release", held, "--encrypt")
    assert code == 0, err
    assert out.strip() == f"{held}: released to {OUTSIDE} (S/MIME)"
    [written] = (config.parent / "out" / "new").iterdir()
    copy = written.read_bytes()
    assert b"application/pkcs7-mime" in copy and b"X-DLP-Encryption: smime" in copy
    assert MESSAGE.split(b"\r\n\r\n", 1)[1] not in copy
