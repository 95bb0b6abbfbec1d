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
