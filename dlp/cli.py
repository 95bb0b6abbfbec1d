"""The `dlp` command: one subcommand per module in `COMMAND_MODULES`, and one per entry point
of the group `dlp.commands` (`COMMAND_GROUP`)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`; its parser sets `func(args) -> int`. These are
# modules of `dlp.commands`.
COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "policy",
    "check",
    "roster",
    "scan_export",
    "postfix_check",
    "quarantine",
    "web",
    "audit",
    "portal",
    "maintain",
    "disclosures",
)
# Commands of the layers built on `dlp`, which `dlp` does not import: each installed package
# names its command modules under this entry-point group (`dlp gateway` is the SMTP gateway's,
# `smtp_gateway.command`, declared in pyproject.toml). They come after `dlp`'s own.
COMMAND_GROUP = "dlp.commands"


# The status a shell reports for a process killed by SIGPIPE (128 + 13), as it does for
# `seq 100000 | head -1` or `git log | head -1`: the reader went away before the end.
BROKEN_PIPE_STATUS = 141


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: when it names one of `dlp`'s own commands, only that command is
    registered (neither the other modules nor the entry points are read: it starts faster);
    otherwise (``--help``, a plugin's command, a typo) every command is."""
    parser = argparse.ArgumentParser(
        prog="dlp", description="Outbound data-loss prevention for school districts."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((arg for arg in argv or () if not arg.startswith("-")), None)
    own = chosen.replace("-", "_") if chosen else None
    if own in COMMAND_MODULES:
        importlib.import_module(f"dlp.commands.{own}").register(subparsers)
        if chosen in subparsers.choices:
            return parser
    for name in COMMAND_MODULES:
        if name != own:
            importlib.import_module(f"dlp.commands.{name}").register(subparsers)
    # Imported only here: importlib.metadata brings email, zipfile and pathlib's URL parsing,
    # which `dlp`'s own commands, found above without it, mostly never import.
    from importlib.metadata import entry_points

    # By name: one package installed twice (an editable copy and a wheel) registers once.
    plugins = {entry.name: entry for entry in entry_points(group=COMMAND_GROUP)}
    for entry in plugins.values():
        entry.load().register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # here, so that a reader gone at the last line is caught below
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except UsageError as error:
        print(f"dlp: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlp: interrupted", file=sys.stderr)
        return 130


def _stdout_closed() -> int:
    """The reader of our output went away (`dlp scan . | head -1`): stop quietly, as coreutils
    and git do, with the status they end with then. Not by letting SIGPIPE kill the process
    (SIG_DFL): that could stop a release or an audit append halfway through a write, where an
    exception unwinds through the code's ``finally`` blocks first. Standard output is pointed at
    /dev/null so that the interpreter's last flush at exit does not fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return BROKEN_PIPE_STATUS


if __name__ == "__main__":
    sys.exit(main())
