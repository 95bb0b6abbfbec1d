"""`dlp postfix-check`: say where mail can go around the gateway in a Postfix configuration.

dlp postfix-check [--config-dir /etc/postfix] [--reinject 127.0.0.1:10026] [--inbound HOST:PORT]

Exit status 0 when every way in passes the filter, 1 with one line per finding otherwise.
The rules are in `dlp.postfix_config`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dlp.cli import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "postfix-check", help="report where mail can go around the gateway in a Postfix setup"
    )
    parser.add_argument(
        "--config-dir", default="/etc/postfix", help="the folder of main.cf and master.cf"
    )
    parser.add_argument(
        "--reinject",
        default="127.0.0.1:10026",
        help="the re-injection listener, the gateway's [delivery] next_hop (HOST:PORT)",
    )
    parser.add_argument(
        "--inbound",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="a listener that takes only inbound mail, unfiltered on purpose (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dlp.postfix_config import check_instance

    folder = Path(args.config_dir)
    if not (folder / "master.cf").is_file():
        raise UsageError(f"{folder}: no master.cf there")
    try:
        found = check_instance(folder, args.reinject, args.inbound)
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None
    for finding in found:
        print(finding)
    if not found:
        print(f"{folder}: every way in passes the content filter")
    return 1 if found else 0
