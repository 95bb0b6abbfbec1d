"""``legal-hold`` and ``purge``: how long held bytes are kept, and their destruction once
retention is over."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from dlp.cli import UsageError

if TYPE_CHECKING:
    from dlp.quarantine.triage import Actor, Triage


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    legal = actions.add_parser("legal-hold", help="stop (or allow again) a message's expiry")
    legal.add_argument("id")
    legal.add_argument("state", choices=["on", "off"])
    legal.add_argument("--note", default="")

    purge = actions.add_parser("purge", help="destroy the bytes of messages past retention")
    purge.add_argument("--dry-run", action="store_true", help="only list what would go")


def legal_hold(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    from dlp.quarantine.store import QuarantineError

    try:
        message = triage.legal_hold(actor, args.id, args.state == "on", args.note)
    except QuarantineError as error:
        raise UsageError(str(error)) from None
    print(f"{message.id}: legal hold {'on' if message.legal_hold else 'off'}")
    return 0


def purge(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    if args.dry_run:
        ids = triage.store.expired()
        for held_id in ids:
            print(f"{held_id}: would expire")
        print(f"{len(ids)} message(s) past retention")
        return 0
    report = triage.purge(actor)
    for held_id in report.expired:
        print(f"{held_id}: expired")
    for held_id in report.failed:
        print(f"{held_id}: skipped (changed meanwhile)", file=sys.stderr)
    print(f"{len(report.expired)} message(s) purged")
    return 1 if report.failed else 0


ACTIONS = {"legal-hold": legal_hold, "purge": purge}
