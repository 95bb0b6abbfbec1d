"""The filters every listing and bulk action takes (``--since``, ``--sender``, ...), as
arguments and as the store's `Filters`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.quarantine.times import parse_time

if TYPE_CHECKING:
    from dlp.quarantine.records import Filters

_KEYS = ("since", "until", "sender", "recipient", "category", "rule", "status", "message_id")


def add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--since", help="received at or after (date, date-time, or 7d/12h ago)")
    group.add_argument("--until", help="received before")
    group.add_argument("--sender", help="sender address contains this")
    group.add_argument("--recipient", help="a recipient address contains this")
    group.add_argument("--category", help="a finding of this category (IDENTIFIER, GRADES, ...)")
    group.add_argument("--rule", help="held by this policy rule")
    group.add_argument(
        "--message-id",
        help="this whole Message-ID (kept masked; found by its keyed digest under the secret)",
    )
    group.add_argument(
        "--status",
        choices=["held", "releasing", "released", "rejected", "deleted", "expired", "pickup"],
        help="in this state",
    )


def filters(args: argparse.Namespace, **extra: object) -> Filters:
    from dlp.quarantine.records import Filters, Status

    try:
        return Filters(
            since=parse_time(args.since) if args.since else None,
            until=parse_time(args.until) if args.until else None,
            sender=args.sender,
            recipient=args.recipient,
            category=args.category,
            rule=args.rule,
            status=Status(args.status) if args.status else None,
            message_id_digest=_message_id_digest(args),
            **extra,  # type: ignore[arg-type]
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


def has_filter(args: argparse.Namespace) -> bool:
    return any(getattr(args, key) for key in _KEYS)


def _message_id_digest(args: argparse.Namespace) -> str | None:
    """The keyed digest a held message's Message-ID is searched by (the settings' secret)."""
    if not getattr(args, "message_id", None):
        return None
    from dlp.identifiers import message_id_digest
    from dlp.roster.secret import SecretError, load_secret
    from dlp.settings import load_settings

    path = load_settings(args.config).detection.secret_file
    try:
        return message_id_digest(load_secret(os.environ, path), args.message_id)
    except SecretError as error:
        raise UsageError(str(error)) from None
