from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from dlp.cli import UsageError
from dlp.commands import roster

from .conftest import SECRET
from .test_import import write_oneroster


def main(argv: list[str]) -> int:
    """`dlp.cli.main` with only this subcommand registered (others may be half-built)."""
    parser = argparse.ArgumentParser(prog="dlp")
    roster.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"dlp: {error}", file=sys.stderr)
        return 2


def test_cli_registers_roster() -> None:
    from dlp.cli import COMMAND_MODULES

    assert "roster" in COMMAND_MODULES


def test_import_and_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret.key"
    secret.write_bytes(SECRET)
    bundle = write_oneroster(tmp_path / "bundle")
    store = tmp_path / "roster.npz"
    monkeypatch.delenv("DLP_SECRET", raising=False)
    args = ["roster", "import", str(bundle), "--store", str(store), "--secret-file", str(secret)]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "oneroster"
    assert report["student"]["added"] == 2 and report["staff"]["added"] == 1
    assert main(args) == 0
    assert "2 unchanged" in capsys.readouterr().out
    monkeypatch.setenv("DLP_SECRET", SECRET.decode())
    assert main(["roster", "info", "--store", str(store)]) == 0
    assert "2 student, 1 staff, 1 guardian" in capsys.readouterr().out


def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DLP_SECRET", raising=False)
    monkeypatch.delenv("DLP_SECRET_FILE", raising=False)
    store = str(tmp_path / "roster.npz")
    assert main(["roster", "import", str(tmp_path), "--store", store]) == 2
    assert "no secret" in capsys.readouterr().err
    monkeypatch.setenv("DLP_SECRET", SECRET.decode())
    assert main(["roster", "import", str(tmp_path / "missing"), "--store", store]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["roster", "import", str(tmp_path), "--store", store]) == 2
    assert "not a OneRoster bundle or Ed-Fi XML" in capsys.readouterr().err
    assert main(["roster", "info", "--store", store]) == 2
    assert "no roster" in capsys.readouterr().err


def test_import_and_info_find_the_secret_and_store_as_scan_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No flags and no environment: `var/secret.key` in the working folder, as `dlp scan`
    reads it; and a settings file whose [detection] names the roster and the secret."""
    for name in ("DLP_SECRET", "DLP_SECRET_FILE", "DLP_ROSTER_STORE"):
        monkeypatch.delenv(name, raising=False)
    bundle = write_oneroster(tmp_path / "bundle")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret.key").write_bytes(SECRET)
    assert main(["roster", "import", str(bundle), "--store", "roster.npz"]) == 0, (
        capsys.readouterr().err
    )
    assert main(["roster", "info", "--store", "roster.npz"]) == 0
    assert "2 student, 1 staff" in capsys.readouterr().out

    elsewhere = tmp_path / "district"
    elsewhere.mkdir()
    (elsewhere / "digest.key").write_bytes(SECRET)
    config = elsewhere / "gateway.toml"
    config.write_text('[detection]\nsecret_file = "digest.key"\nroster = "people.npz"\n')
    (tmp_path / "var" / "secret.key").unlink()
    assert main(["roster", "import", str(bundle), "--config", str(config)]) == 0, (
        capsys.readouterr().err
    )
    assert (elsewhere / "people.npz").is_file()
    assert main(["roster", "info", "--config", str(config)]) == 0
    assert "2 student, 1 staff" in capsys.readouterr().out
    # The same roster read under another secret is refused, not silently empty.
    (elsewhere / "digest.key").write_bytes(b"another-secret-entirely-0123456789")
    assert main(["roster", "info", "--config", str(config)]) == 2
