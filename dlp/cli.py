"""The `dlp` command: one subcommand per module in `dlp.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`; its parser sets `func(args) -> int`.
COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "policy",
    "check",
    "roster",
    "scan_export",
    "gateway",
    "postfix_check",
    "quarantine",
    "web",
    "audit",
)


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlp", description="Outbound data-loss prevention for school districts."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"dlp.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"dlp: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
