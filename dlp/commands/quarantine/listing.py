"""``list`` and ``show``: the held messages, and one of them with its decision and findings
(masked unless ``--reveal``, which the audit log records)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from dlp.commands.quarantine.filters import add_filters, filters
from dlp.commands.quarantine.times import when

if TYPE_CHECKING:
    from dlp.quarantine.records import Filters, HeldMessage
    from dlp.quarantine.reveal import FindingView
    from dlp.quarantine.sqlite_listing import SqliteListing
    from dlp.quarantine.triage import Actor, Triage
    from dlp.settings import Settings


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = actions.add_parser("list", help="held messages, newest first")
    add_filters(listing)
    listing.add_argument(
        "--sort", default="received", choices=["received", "sender", "score", "status", "size"]
    )
    listing.add_argument("--asc", action="store_true", help="ascending order")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    show = actions.add_parser("show", help="one message: decision and findings (masked)")
    show.add_argument("id")
    show.add_argument(
        "--reveal", action="store_true", help="show the matched values (recorded in the audit log)"
    )
    show.add_argument("--json", action="store_true")


def list_messages(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    return print_messages(triage.queue(actor, _chosen(args)), args)


def list_without_store(
    listing: SqliteListing, settings: Settings, actor: Actor, args: argparse.Namespace
) -> int:
    """`list_messages` through the SQLite reader (`dlp.quarantine.wiring.open_listing`): the
    same look on the audit log, and the same lines."""
    from dlp.quarantine.triage import audited_queue
    from dlp.quarantine.wiring import open_listing_audit

    audit = open_listing_audit(settings)
    return print_messages(audited_queue(listing, audit, actor, _chosen(args)), args)


def _chosen(args: argparse.Namespace) -> Filters:
    return filters(args, sort=args.sort, descending=not args.asc, limit=args.limit)


def print_messages(messages: list[HeldMessage], args: argparse.Namespace) -> int:
    if args.json:
        for message in messages:
            summary = message.to_dict()
            summary.pop("decision")
            print(json.dumps(summary, sort_keys=True))
        return 0
    if not messages:
        print("no messages")
        return 0
    print(f"{'ID':<16}  {'RECEIVED (UTC)':<16}  {'STATUS':<9}  {'SENDER':<28}  RULES")
    for message in messages:
        hold = " [legal hold]" if message.legal_hold else ""
        print(
            f"{message.id:<16}  {when(message.received):<16}  {message.status.value:<9}  "
            f"{message.sender[:28]:<28}  {', '.join(message.rules)}{hold}"
        )
    return 0


def _context(view: FindingView) -> str:
    text = "".join(f"[[{p.text}]]" if p.kind == "finding" else p.text for p in view.pieces)
    return " ".join(text.split())


def show(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    if args.reveal:
        message, views = triage.reveal(actor, args.id)
    else:
        message, views = triage.view(actor, args.id)
    if args.json:
        data = message.to_dict()
        data["findings"] = [
            {
                **view.finding.to_dict(),
                "context": [{"kind": p.kind, "text": p.text} for p in view.pieces],
                **({"revealed": view.value} if view.value is not None else {}),
            }
            for view in views
        ]
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print(f"id:          {message.id}")
    print(f"status:      {message.status.value} ({when(message.status_time)}, {message.status_by})")
    if message.note:
        print(f"note:        {message.note}")
    print(f"received:    {when(message.received)} UTC; expires {when(message.expires)} UTC")
    print(f"legal hold:  {'yes' if message.legal_hold else 'no'}")
    print(f"sender:      {message.sender}")
    print(f"recipients:  {', '.join(message.recipients)}")
    print(f"message-id:  {message.message_id}")
    print(f"size:        {message.size} bytes, sha256 {message.sha256}")
    recipients = message.decision.get("recipients", [])
    for verdict in recipients if isinstance(recipients, list) else []:
        print(f"\n{verdict['address']}: {verdict['intended']} ({verdict['kind']})")
        for rule in verdict["rules"]:
            print(f"  rule {rule['rule']} [{', '.join(rule['clauses'])}]: {rule['explanation']}")
    print(f"\nfindings ({len(views)}):")
    for view in views:
        finding = view.finding
        rules = ", ".join(f"{r.rule} [{', '.join(r.clauses)}]" for r in finding.rules)
        print(
            f"  #{finding.position} {finding.entity_type} {finding.masked} "
            f"in {finding.location} @{finding.start}-{finding.end} (score {finding.score:.2f})"
        )
        if rules:
            print(f"      held by: {rules}")
        if view.pieces:
            print(f"      context: {_context(view)}")
        if view.value is not None:
            print(f"      REVEALED: {view.value}")
    return 0


ACTIONS = {"list": list_messages, "show": show}
