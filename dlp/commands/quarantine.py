"""`dlp quarantine`: review held messages from the terminal.

dlp quarantine [--config FILE] list [filters] [--sort KEY] [--asc] [--limit N] [--json]
dlp quarantine show ID [--reveal] [--json]
dlp quarantine release ID... [--encrypt] [--note TEXT]     (or no ID and filters / --all)
dlp quarantine reject ID... --note TEXT                     (sends the sender a notice)
dlp quarantine delete ID... [--note TEXT]
dlp quarantine export ID [-o FILE] [--reason TEXT]          (or no ID, filters and -o FOLDER)
dlp quarantine legal-hold ID {on,off} [--note TEXT]
dlp quarantine purge [--dry-run]                            (retention: destroy expired bytes)
dlp quarantine rotate-key                                   (re-seal under the current key)
dlp quarantine adopt-secret                                 (after changing the digest secret)
dlp quarantine false-positives [--format json]              ("not sensitive" digests)

Filters: --since, --until (2026-11-01, 2026-11-01T08:00, or 7d / 12h ago), --sender,
--recipient (substrings), --category, --rule, --status, --message-id (the whole value:
Message-IDs are kept masked, with a keyed digest to find them by). A bulk form (filters, no
ID) acts only on messages whose state allows the action (release, reject, delete: held;
export: bytes still there) and says how many it skipped. --config may come before or after the
action; the store, its key and its retention come from the settings' [quarantine]. Every
command is on the audit log, as the user running it. Exit status: 0 done, 1 some action
failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.config_option import add_config_option

if TYPE_CHECKING:
    from dlp.quarantine.records import Filters, HeldMessage
    from dlp.quarantine.reveal import FindingView
    from dlp.quarantine.triage import Actor, Triage

_RELATIVE = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60}


def parse_time(text: str) -> int:
    """Epoch seconds from an ISO date/time (UTC unless it says otherwise) or ``7d``/``12h``/``30m``
    (that long ago)."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        return int(time.time()) - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a time: {text!r} (use 2026-11-01, 2026-11-01T08:00 or 7d)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _add_filters(parser: argparse.ArgumentParser) -> None:
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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("quarantine", help="review held messages")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="held messages, newest first")
    _add_filters(listing)
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

    for name, text in (
        ("release", "deliver held messages to their held recipients"),
        ("reject", "refuse held messages for good and notify their senders"),
        ("delete", "destroy held messages' bytes (metadata and masked findings stay)"),
        ("export", "write original messages (.eml) for legal hold or an investigation"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("ids", nargs="*", metavar="ID")
        _add_filters(action)
        action.add_argument(
            "--all", action="store_true", help="every message the filters match (none: all)"
        )
        action.add_argument(
            "--note", "--reason", dest="note", default="", help="why (recorded in the audit log)"
        )
        if name == "release":
            action.add_argument(
                "--encrypt",
                action="store_true",
                help="S/MIME where a certificate exists, otherwise verified TLS only",
            )
        if name == "export":
            action.add_argument(
                "-o", "--output", help="file (one message) or folder (several); default: stdout"
            )

    legal = actions.add_parser("legal-hold", help="stop (or allow again) a message's expiry")
    legal.add_argument("id")
    legal.add_argument("state", choices=["on", "off"])
    legal.add_argument("--note", default="")

    purge = actions.add_parser("purge", help="destroy the bytes of messages past retention")
    purge.add_argument("--dry-run", action="store_true", help="only list what would go")

    actions.add_parser("rotate-key", help="re-encrypt messages sealed under an old key")
    actions.add_parser(
        "adopt-secret",
        help="record the settings' digest secret as the quarantine's (after changing it)",
    )

    positives = actions.add_parser(
        "false-positives",
        help='findings reviewers marked "not sensitive", for the policy\'s allow list',
    )
    positives.add_argument(
        "--format",
        choices=["text", "json", "toml"],
        default="text",
        help="toml: [[allow]] entries to append to the policy file",
    )
    add_config_option(parser, actions)
    parser.set_defaults(func=run)


def _filters(args: argparse.Namespace, **extra: object) -> Filters:
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


def _has_filter(args: argparse.Namespace) -> bool:
    keys = ("since", "until", "sender", "recipient", "category", "rule", "status", "message_id")
    return any(getattr(args, key) for key in keys)


def run(args: argparse.Namespace) -> int:
    from dlp.audit import AuditError
    from dlp.detect.categories import CategoryError
    from dlp.policy import PolicyError
    from dlp.quarantine.crypto import QuarantineKeyError
    from dlp.quarantine.store import NotFound, QuarantineError
    from dlp.quarantine.triage import Actor
    from dlp.quarantine.wiring import build_triage, open_store
    from dlp.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
        store = open_store(settings, os.environ)
    except (SettingsError, QuarantineKeyError, QuarantineError) as error:
        raise UsageError(str(error)) from None
    actor = Actor(getpass.getuser(), "cli")
    try:
        triage = build_triage(settings, store, args.action in ("release", "reject"), os.environ)
        return _ACTIONS[args.action](triage, actor, args)
    except NotFound as error:
        raise UsageError(str(error)) from None
    except (PolicyError, AuditError, CategoryError) as error:
        raise UsageError(str(error)) from None
    except BrokenPipeError:
        raise  # our reader went away: not a usage error (`dlp` ends it quietly)
    except OSError as error:
        raise UsageError(f"{error.filename or ''} {error.strerror or error}".strip()) from None
    finally:
        store.close()


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def _list(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    filters = _filters(args, sort=args.sort, descending=not args.asc, limit=args.limit)
    messages = triage.queue(actor, filters)
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
            f"{message.id:<16}  {_when(message.received):<16}  {message.status.value:<9}  "
            f"{message.sender[:28]:<28}  {', '.join(message.rules)}{hold}"
        )
    return 0


def _context(view: FindingView) -> str:
    text = "".join(f"[[{p.text}]]" if p.kind == "finding" else p.text for p in view.pieces)
    return " ".join(text.split())


def _show(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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
    print(
        f"status:      {message.status.value} ({_when(message.status_time)}, {message.status_by})"
    )
    if message.note:
        print(f"note:        {message.note}")
    print(f"received:    {_when(message.received)} UTC; expires {_when(message.expires)} UTC")
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


def _skip_reason(action: str, message: HeldMessage) -> str | None:
    """Why a bulk ``action`` leaves ``message`` alone, or None when its state allows it. A bulk
    form changes only held messages (never a released or rejected one's status); an export
    needs the bytes to be there still."""
    from dlp.quarantine.records import Status

    if action == "export":
        return None if message.status.has_content else message.status.value
    if message.status is not Status.HELD:
        return message.status.value
    if action == "delete" and message.legal_hold:
        return "under legal hold"
    return None


def _targets(triage: Triage, actor: Actor, args: argparse.Namespace) -> tuple[list[str], bool]:
    """The ids to act on, and whether they came from filters (a bulk action)."""
    if args.ids:
        if _has_filter(args) or args.all:
            raise UsageError("give IDs or filters, not both")
        return list(args.ids), False
    if not (_has_filter(args) or args.all):
        raise UsageError("give message IDs, or filters (or --all) for a bulk action")
    ids: list[str] = []
    skipped: Counter[str] = Counter()
    for message in triage.queue(actor, _filters(args, descending=False)):
        reason = _skip_reason(args.action, message)
        if reason is None:
            ids.append(message.id)
        else:
            skipped[reason] += 1
    if skipped:
        why = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        print(f"skipped {sum(skipped.values())} message(s) that {args.action} cannot touch: {why}")
    return ids, True


def _each(ids: list[str], action: str, step: object) -> int:
    from dlp.quarantine.store import QuarantineError

    failures = 0
    for held_id in ids:
        try:
            line = step(held_id)  # type: ignore[operator]
        except QuarantineError as error:
            failures += 1
            print(f"{held_id}: {action} failed: {error}", file=sys.stderr)
            continue
        print(f"{held_id}: {line}")
    if not ids:
        print("no messages to act on")
    return 1 if failures else 0


def _release(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    from dlp.quarantine.store import QuarantineError

    def step(held_id: str) -> str:
        if args.encrypt:
            _refuse_clear_copies(triage, held_id)
        released = triage.release(actor, held_id, encrypt=args.encrypt, note=args.note)
        if released.pending:
            details = "; ".join(
                f"{item.address}: {item.outcome.value} {item.code} {item.detail}"
                for item in released.result.recipients
                if item.address in released.pending
            )
            raise QuarantineError(f"still held for {', '.join(released.pending)} ({details})")
        accepted = released.result.accepted
        if not args.encrypt:
            return f"released to {', '.join(accepted)}"
        return "released to " + ", ".join(f"{a} ({_protection(triage, a)})" for a in accepted)

    return _each(_targets(triage, actor, args)[0], "release", step)


def _protection(triage: Triage, address: str) -> str:
    """How an encrypted release's copy to ``address`` was protected: the releaser enveloped it
    (S/MIME) when it holds the address's certificate, and otherwise delivered it only over
    verified TLS (a copy that could not have it is not accepted, so it stays held)."""
    assert triage.releaser is not None
    return "S/MIME" if triage.releaser.certificates.lookup(address) else "verified TLS"


def _refuse_clear_copies(triage: Triage, held_id: str) -> None:
    """Refuse an encrypted release that would write a copy in clear.

    Without a certificate, an encrypted release relies on verified TLS; a local folder
    (``[delivery] mode = "folder"``) has no TLS at all, and would be given the copy as it is.
    Saying "released encrypted" then was false; writing the copy in clear anyway is not what
    the reviewer asked for, so the message stays held and the reviewer chooses: a certificate,
    or a release without --encrypt.
    """
    from dlp.delivery import LocalFolder
    from dlp.quarantine.store import QuarantineError

    releaser = triage.releaser
    if releaser is None or not isinstance(releaser.target, LocalFolder):
        return
    message = triage.store.get(held_id)
    before = message.delivery.get("accepted", [])
    clear = [
        address
        for address in message.recipients
        if address not in before  # type: ignore[operator]
        and releaser.certificates.lookup(address) is None
    ]
    if clear:
        raise QuarantineError(
            f"not released: --encrypt, but {', '.join(clear)} has no S/MIME certificate and "
            f"the delivery is the local folder {releaser.target.path}, which has no TLS: the "
            "copy would be written in clear (add a certificate, or release without --encrypt)"
        )


def _reject(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    if not args.note.strip():
        raise UsageError("reject needs --note TEXT (it goes to the sender)")

    def step(held_id: str) -> str:
        result = triage.reject(actor, held_id, args.note)
        if result is None:
            return "rejected (no notice: no sender)"
        if result.all_accepted:
            return "rejected; notice sent"
        if result.temporary and not result.permanent:
            return "rejected; notice put off by the next hop, queued to be tried again"
        return "rejected; notice NOT delivered"

    return _each(_targets(triage, actor, args)[0], "reject", step)


def _delete(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    ids, bulk = _targets(triage, actor, args)

    def step(held_id: str) -> str:
        # In bulk, only from held, in the same statement: one released meanwhile stays so.
        triage.delete(actor, held_id, args.note, held_only=bulk)
        return "deleted"

    return _each(ids, "delete", step)


def _write_private(path: Path, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as file:
        file.write(data)


def _export(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    ids, _ = _targets(triage, actor, args)
    output = Path(args.output) if args.output else None
    if len(ids) > 1 and (output is None or not output.is_dir()):
        raise UsageError("exporting several messages needs -o FOLDER (an existing folder)")
    if output is None and ids:
        sys.stdout.buffer.write(triage.export(actor, ids[0], args.note))
        sys.stdout.buffer.flush()
        return 0

    def step(held_id: str) -> str:
        assert output is not None
        target = output / f"{held_id}.eml" if output.is_dir() else output
        _write_private(target, triage.export(actor, held_id, args.note))
        return f"written to {target}"

    return _each(ids, "export", step)


def _legal_hold(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    from dlp.quarantine.store import QuarantineError

    try:
        message = triage.legal_hold(actor, args.id, args.state == "on", args.note)
    except QuarantineError as error:
        raise UsageError(str(error)) from None
    print(f"{message.id}: legal hold {'on' if message.legal_hold else 'off'}")
    return 0


def _purge(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


def _false_positives(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    """The "not sensitive" records. ``--format json`` writes one JSON document::

        {"false_positives": [{"digest": "...", "entity_type": "US_SSN", "masked": "***-**-1234",
          "held_id": "...", "recorded": 1767225600, "recorded_by": "rita", "note": "..."}]}

    The digest is the finding's keyed digest (`Finding.digest`: HMAC-SHA256 of the entity type
    and value under the district's secret), the same one every scan computes for that value.
    ``--format toml`` writes them as the policy's ``[[allow]]`` entries: appended to the policy
    file (and the gateway reloaded), those values no longer count in any decision.
    """
    entries = triage.false_positives(actor)
    if args.format == "json":
        print(json.dumps({"false_positives": entries}, indent=2, sort_keys=True))
        return 0
    if args.format == "toml":
        print(_allow_entries(entries), end="")
        return 0
    if not entries:
        print("no false positives recorded")
        return 0
    for entry in entries:
        recorded = entry["recorded"]
        when = _when(recorded) if isinstance(recorded, int) else "?"
        print(
            f"{entry['entity_type']} {entry['masked'] or '(no preview)'}  digest {entry['digest']}"
        )
        print(
            f"    message {entry['held_id']}, {when} UTC by {entry['recorded_by']}: {entry['note']}"
        )
    return 0


def _allow_entries(entries: list[dict[str, object]]) -> str:
    """The policy's ``[[allow]]`` tables for ``entries``, one per distinct value."""
    seen: set[tuple[object, object]] = set()
    blocks = []
    for entry in entries:
        key = (entry["entity_type"], entry["digest"])
        if key in seen:
            continue
        seen.add(key)
        recorded = entry["recorded"]
        when = _when(recorded) if isinstance(recorded, int) else "?"
        blocks.append(
            "[[allow]]\n"
            f"entity_type = {json.dumps(entry['entity_type'])}\n"
            f"digest = {json.dumps(entry['digest'])}\n"
            f"masked = {json.dumps(entry['masked'] or '')}\n"
            f"recorded_by = {json.dumps(entry['recorded_by'])}\n"
            f"note = {json.dumps(f'{when} UTC: ' + str(entry['note']))}\n"
        )
    return "\n".join(blocks)


def _rotate(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    from dlp.quarantine.sharing import record_current_key
    from dlp.quarantine.store import QuarantineError

    try:
        count = triage.store.rotate()
    except QuarantineError as error:
        raise UsageError(str(error)) from None
    record_current_key(triage.store)  # gateways with the new key are this quarantine's
    triage.audit.append("quarantine-rotate-key", **actor.fields(), count=count)
    print(f"{count} message(s) re-encrypted under key {triage.store.keyring.current.key_id}")
    return 0


def _adopt_secret(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    from dlp.detect.masking import secret_fingerprint
    from dlp.quarantine.sharing import adopt_digest_secret
    from dlp.roster.secret import SecretError, load_secret
    from dlp.settings import load_settings

    path = load_settings(args.config).detection.secret_file
    try:
        fingerprint = secret_fingerprint(load_secret(os.environ, path))
    except SecretError as error:
        raise UsageError(str(error)) from None
    before = adopt_digest_secret(triage.store, fingerprint)
    triage.audit.append(
        "quarantine-adopt-secret", **actor.fields(), fingerprint=fingerprint, replaced=before
    )
    if before in (None, fingerprint):
        print(f"the quarantine's digest secret is {fingerprint} ({path})")
    else:
        print(
            f"the quarantine's digest secret is now {fingerprint} ({path}), was {before}: "
            "digests made under the old one (allow-list entries, earlier findings) no longer "
            "match new findings"
        )
    return 0


_ACTIONS = {
    "list": _list,
    "show": _show,
    "release": _release,
    "reject": _reject,
    "delete": _delete,
    "export": _export,
    "legal-hold": _legal_hold,
    "purge": _purge,
    "rotate-key": _rotate,
    "adopt-secret": _adopt_secret,
    "false-positives": _false_positives,
}
