from __future__ import annotations

from pathlib import Path

import pytest

from dlp import cli

from .conftest import SAMPLE_POLICY


@pytest.fixture
def run(monkeypatch):
    # Only this package's commands: others' modules may not exist yet in a partial checkout.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("policy", "check"))
    return cli.main


def test_policy_check_accepts_the_sample(run, capsys) -> None:
    assert run(["policy", "check", str(SAMPLE_POLICY)]) == 0
    out = capsys.readouterr().out
    assert f"{SAMPLE_POLICY}: ok (enforce mode)" in out
    assert "authorized: Gradebook vendor [gradebook-vendor.example]" in out


def test_policy_check_lists_entity_types_an_agreement_names(run, capsys, tmp_path) -> None:
    text = SAMPLE_POLICY.read_text(encoding="utf-8").replace(
        'categories = ["IDENTIFIER", "ROSTER", "GRADES", "CONTACT"]',
        'categories = ["GRADES"]\nentities = ["US_SSN"]',
    )
    (tmp_path / "policy.toml").write_text(text, encoding="utf-8")
    assert run(["policy", "check", str(tmp_path / "policy.toml")]) == 0
    assert "[gradebook-vendor.example] may receive GRADES, US_SSN" in capsys.readouterr().out


def test_policy_check_names_file_line_and_key(run, capsys, tmp_path: Path) -> None:
    text = SAMPLE_POLICY.read_text().replace(
        'when = "EXTERNAL and secrets"', 'when = "EXTERNAL and secrts"'
    )
    bad = tmp_path / "district.toml"
    bad.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "secrts" in row)
    assert run(["policy", "check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"dlp: {bad}:{line}: rules[")
    assert err.endswith("].when: unknown name 'secrts' (column 14) in 'EXTERNAL and secrts'")
    assert "Traceback" not in err


def test_policy_check_rejects_a_broken_template(run, capsys, tmp_path: Path) -> None:
    (tmp_path / "notice.j2").write_text("{% if %}")
    text = SAMPLE_POLICY.read_text().replace(
        '# template = "sender_notice.txt.j2"', 'template = "notice.j2"'
    )
    (tmp_path / "policy.toml").write_text(text)
    assert run(["policy", "check", str(tmp_path / "policy.toml")]) == 2
    assert "notice template" in capsys.readouterr().err


def test_policy_check_missing_file(run, capsys, tmp_path: Path) -> None:
    assert run(["policy", "check", str(tmp_path / "nope.toml")]) == 2
    assert "cannot read the policy" in capsys.readouterr().err


def test_policy_check_warns_about_a_missing_certificate_folder(run, capsys, tmp_path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(SAMPLE_POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(["policy", "check", str(policy)]) == 0  # a warning, not a failure
    captured = capsys.readouterr()
    assert f"{policy}: ok" in captured.out
    assert captured.err.startswith(f"dlp: warning: {tmp_path / 'certs'}: ")
    assert "[encryption].certificates" in captured.err

    (tmp_path / "certs").mkdir()
    assert run(["policy", "check", str(policy)]) == 0
    assert capsys.readouterr().err == ""


def test_policy_check_shows_every_error(run, capsys, tmp_path: Path) -> None:
    text = (
        SAMPLE_POLICY.read_text(encoding="utf-8")
        .replace('when = "EXTERNAL and secrets"', 'when = "EXTERNAL and secrts"')
        .replace("max_distance = 1 ", "max_distance = -1 ")
    )
    bad = tmp_path / "district.toml"
    bad.write_text(text, encoding="utf-8")
    assert run(["policy", "check", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    line_of = {
        needle: next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)
        for needle in ("secrts", "max_distance")
    }
    assert len(lines) == 2
    assert lines[0].startswith(f"dlp: {bad}:{line_of['secrts']}: rules[")
    where = f"{bad}:{line_of['max_distance']}"
    assert lines[1] == f"{where}: lookalike.max_distance: must be at least 0"
