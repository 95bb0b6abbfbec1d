"""`dlp audit verify [FILE]`: check the audit log's hash chain.

Without FILE, the log named by the settings (``--config``, before or after ``verify``, else the
embedded default).
Exit status: 0 the chain holds, 1 it is broken (the first bad line is named), 2 no such file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dlp.cli import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from dlp.commands.quarantine import add_config_option

    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check every entry's hash chain")
    verify.add_argument("file", nargs="?", help="the audit log (default: from the settings)")
    verify.set_defaults(func=run_verify)
    add_config_option(parser, actions)  # `dlp audit --config F verify` or `... verify --config F`


def run_verify(args: argparse.Namespace) -> int:
    from dlp.audit import verify
    from dlp.settings import SettingsError, load_settings

    if args.file:
        path = Path(args.file)
    else:
        try:
            configured = load_settings(args.config).audit_file
        except SettingsError as error:
            raise UsageError(str(error)) from None
        if configured is None:
            raise UsageError('the settings turn the audit log off ([audit] file = "")')
        path = configured
    if not path.is_file():
        raise UsageError(f"no audit log at {path}")
    result = verify(path)
    if result.ok:
        print(f"{path}: ok, {result.entries} entries, chain intact")
        return 0
    print(
        f"{path}: BROKEN at line {result.first_bad_line}: {result.reason} "
        f"({result.entries} entries before it are sound)"
    )
    return 1
