"""``release``, ``reject``, ``delete`` and ``export``: a reviewer's decisions, on the messages
named or, in bulk, on those the filters match whose state allows the action."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.quarantine.filters import add_filters, filters, has_filter

if TYPE_CHECKING:
    from dlp.quarantine.records import HeldMessage
    from dlp.quarantine.triage import Actor, Triage


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, text in (
        ("release", "deliver held messages to their held recipients"),
        ("reject", "refuse held messages for good and notify their senders"),
        ("delete", "destroy held messages' bytes (metadata and masked findings stay)"),
        ("export", "write original messages (.eml) for legal hold or an investigation"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("ids", nargs="*", metavar="ID")
        add_filters(action)
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
        if has_filter(args) or args.all:
            raise UsageError("give IDs or filters, not both")
        return list(args.ids), False
    if not (has_filter(args) or args.all):
        raise UsageError("give message IDs, or filters (or --all) for a bulk action")
    ids: list[str] = []
    skipped: Counter[str] = Counter()
    for message in triage.queue(actor, filters(args, descending=False)):
        reason = _skip_reason(args.action, message)
        if reason is None:
            ids.append(message.id)
        else:
            skipped[reason] += 1
    if skipped:
        why = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        print(f"skipped {sum(skipped.values())} message(s) that {args.action} cannot touch: {why}")
    return ids, True


def _each(ids: list[str], action: str, step: Callable[[str], str]) -> int:
    from dlp.quarantine.store import QuarantineError

    failures = 0
    for held_id in ids:
        try:
            line = step(held_id)
        except QuarantineError as error:
            failures += 1
            print(f"{held_id}: {action} failed: {error}", file=sys.stderr)
            continue
        print(f"{held_id}: {line}")
    if not ids:
        print("no messages to act on")
    return 1 if failures else 0


def release(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


def reject(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


def delete(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


def export(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


ACTIONS = {"release": release, "reject": reject, "delete": delete, "export": export}
