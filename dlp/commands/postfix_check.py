"""`dlp postfix-check`: say where mail can go around the gateway in a Postfix configuration.

dlp postfix-check [--config-dir /etc/postfix] [--config /etc/dlp/gateway.toml]
                  [--reinject 127.0.0.1:10026] [--inbound HOST:PORT]

Exit status 0 when every way in passes the filter, 1 with one line per finding otherwise.
The rules are in `dlp.postfix_config`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dlp.cli import UsageError
from dlp.postfix_config import DEFAULT_REINJECT, Expected


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "postfix-check", help="report where mail can go around the gateway in a Postfix setup"
    )
    parser.add_argument(
        "--config-dir", default="/etc/postfix", help="the folder of main.cf and master.cf"
    )
    parser.add_argument(
        "--config",
        help="the gateway's TOML file: check Postfix against its listen, next_hop "
        "and max_message_bytes",
    )
    parser.add_argument(
        "--reinject",
        help="the re-injection listener (HOST:PORT; default: the gateway's [delivery] "
        "next_hop, else 127.0.0.1:10026)",
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
        found = check_instance(folder, _expected(args))
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None
    for finding in found:
        print(finding)
    if not found:
        print(f"{folder}: every way in passes the content filter")
    return 1 if found else 0


def _expected(args: argparse.Namespace) -> Expected:
    if args.config is None:
        return Expected(args.reinject or DEFAULT_REINJECT, tuple(args.inbound))
    from dlp.settings import load_settings

    settings = load_settings(args.config)  # a SettingsError is a ValueError
    next_hop = settings.delivery.next_hop
    return Expected(
        reinject=args.reinject or (str(next_hop) if next_hop else DEFAULT_REINJECT),
        inbound=tuple(args.inbound),
        gateway=str(settings.gateway.listen),
        max_message_bytes=settings.gateway.max_message_bytes,
    )
