"""The `dlp` command: one subcommand per module in `COMMAND_MODULES`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`; its parser sets `func(args) -> int`. A bare name
# is a module of `dlp.commands`. `dlp gateway` lives with the gateway (`smtp_gateway.command`):
# this table, where the program is put together, is the one place in `dlp` that names the SMTP
# layer, and only by name.
COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "policy",
    "check",
    "roster",
    "scan_export",
    "smtp_gateway.command",
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
        module = name if "." in name else f"dlp.commands.{name}"
        importlib.import_module(module).register(subparsers)
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
