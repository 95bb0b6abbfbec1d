"""`dlp audit`: check the audit log's keyed chain and its signed checkpoints.

- ``verify [FILE]``: the chain across its rotated files (``audit.log.N``, ``audit.log.N.gz``,
  oldest first, then ``audit.log``), every MAC under the chain key, then the checkpoints of this
  host's chain in the quarantine database; prints the head and the count. It also checks every
  host's checkpoints (gateways sharing a PostgreSQL quarantine): each signature, and that no
  checkpoint vouches for fewer entries than an earlier one of the same host.
  Without FILE, the log named by the settings (``--config``, before or after the action, else
  the embedded default); the checkpoints are read when the settings are the deployment's (no
  FILE, or ``--config``). The chain key: ``--key``, else ``audit.key`` beside FILE, else
  ``[audit] key_file``. ``--public-key FILE``: an auditor without the chain key checks the
  links and the checkpoints with the public key alone (the MACs are then not checked, and
  the output says so). ``--host`` names the chain FILE belongs to (default: this host's).
- ``public-key``: the signing key's public half (PEM), for auditors.
- ``checkpoint``: sign the head now and record it (a cron job between gateway stops).
- ``rotate``: the live log becomes ``audit.log.1`` (older ones move up) after a checkpoint of
  its head, and the next entry starts a new file that continues the chain. Safe while gateways
  run: appends lock the file and follow the rename (deploy/systemd/dlp-audit-rotate.timer).

Exit status: 0 everything holds, 1 something does not (the first failure is named), 2 a usage
error (no such file, no key).
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dlp.cli import UsageError

if TYPE_CHECKING:
    from dlp.audit import AuditLog
    from dlp.audit_checkpoints import Checkpoint
    from dlp.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from dlp.commands.config_option import add_config_option

    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check the chain and its signed checkpoints")
    verify.add_argument("file", nargs="?", help="the audit log (default: from the settings)")
    verify.add_argument("--key", help="the chain key file (default: see `dlp audit --help`)")
    verify.add_argument("--public-key", help="check the checkpoints with this public key (PEM)")
    verify.add_argument("--host", help="the host whose chain FILE is (default: this host)")
    verify.set_defaults(func=run_verify)
    public = actions.add_parser("public-key", help="print the checkpoints' public key (PEM)")
    public.set_defaults(func=run_public_key)
    checkpoint = actions.add_parser("checkpoint", help="sign and record the chain's head now")
    checkpoint.set_defaults(func=run_checkpoint)
    rotate = actions.add_parser("rotate", help="start a new file that continues the chain")
    rotate.set_defaults(func=run_rotate)
    add_config_option(parser, actions)  # `dlp audit --config F verify` or `... verify --config F`


def _settings(args: argparse.Namespace) -> Settings:
    from dlp.settings import SettingsError, load_settings

    try:
        return load_settings(getattr(args, "config", None))
    except SettingsError as error:
        raise UsageError(str(error)) from None


def run_verify(args: argparse.Namespace) -> int:
    from dlp.audit import verify
    from dlp.audit_keys import KEY_FILE, AuditKeyError, AuditKeys, load_public_key
    from dlp.audit_verify import check_host_checkpoints

    settings = _settings(args)
    deployed = not args.file or getattr(args, "config", None) is not None
    if args.file:
        path = Path(args.file)
    elif settings.audit_file is None:
        raise UsageError('the settings turn the audit log off ([audit] file = "")')
    else:
        path = settings.audit_file
    if not path.is_file() and not path.with_name(path.name + ".1").exists():
        raise UsageError(f"no audit log at {path}")
    key_file = Path(args.key) if args.key else None
    if key_file is None:
        beside = path.parent / KEY_FILE
        key_file = beside if args.file and beside.is_file() else settings.audit.key_file
    keys: AuditKeys | None = None
    public = None
    try:
        if args.public_key:
            public = load_public_key(Path(args.public_key).read_bytes(), args.public_key)
        if key_file.is_file():
            signing = settings.audit.signing_key_file
            keys = AuditKeys.load(key_file, signing if signing.is_file() else None, create=False)
    except (AuditKeyError, OSError) as error:
        raise UsageError(f"{error}; an auditor without it gives --public-key FILE") from None
    if public is None and keys is not None:
        public = keys.public_key
    host = args.host or settings.audit.host or socket.gethostname()
    every: list[Checkpoint] = []
    if deployed:
        from dlp.quarantine.checkpoints import CheckpointBook
        from dlp.quarantine.store import QuarantineError

        try:
            book = CheckpointBook.open(settings.quarantine.url)
        except QuarantineError as error:
            raise UsageError(str(error)) from None
        try:
            every = book.checkpoints()
        finally:
            book.close()
    mine = [checkpoint for checkpoint in every if checkpoint.host == host]
    result = verify(path, keys, mine, public)
    if keys is None and public is None and result.entries > result.legacy:
        # A log from before keyed chains needs no key; a keyed one checked with none would
        # prove nothing.
        raise UsageError(
            f"no audit key at {key_file}: give --key FILE, or --public-key FILE to check the "
            "links and the checkpoints only"
        )
    if not result.ok:
        where = (
            f"{result.file}: BROKEN at line {result.first_bad_line}"
            if result.first_bad_line
            else f"{path}: BROKEN"
        )
        print(f"{where}: {result.reason} ({result.entries} entries before it are sound)")
        return 1
    print(f"{path}: ok, {result.entries} entries, chain intact")
    print(f"  count {result.count}, head {result.head}")
    if result.first_seq:
        print(
            f"  entries before {result.first_seq} were rotated away; a checkpoint vouches for them"
        )
    if result.legacy:
        print(f"  {result.legacy} entries from before keyed chains, checked by the old rule")
    for note in result.notes:
        print(f"  note: {note}")
    if not deployed:
        print("  checkpoints not read (give --config to compare with the quarantine database)")
    elif not mine:
        print(f"  no checkpoints of host {host!r} in the quarantine database yet")
    else:
        print(
            f"  {result.checkpoints} checkpoints of host {host!r} match; "
            f"{result.unanchored} entries since the last one"
        )
    broken = False
    for name in sorted({checkpoint.host for checkpoint in every}):
        theirs = [checkpoint for checkpoint in every if checkpoint.host == name]
        last = max(theirs, key=lambda item: item.count)
        when = datetime.fromtimestamp(last.time, UTC).isoformat(timespec="seconds")
        problem = check_host_checkpoints(theirs, public) if public is not None else None
        state = problem or ("signatures good" if public is not None else "signatures not checked")
        print(
            f"  host {name}: {len(theirs)} checkpoints, "
            f"last {last.count} entries at {when}: {state}"
        )
        broken = broken or problem is not None
    return 1 if broken else 0


def run_public_key(args: argparse.Namespace) -> int:
    from dlp.audit_keys import AuditKeyError, AuditKeys

    settings = _settings(args)
    try:
        keys = AuditKeys.load(
            settings.audit.key_file, settings.audit.signing_key_file, create=False
        )
    except AuditKeyError as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(keys.public_pem().decode())
    return 0


T = TypeVar("T")


def _with_audit(args: argparse.Namespace, act: Callable[[AuditLog], T]) -> T:
    """``act`` on the deployment's audit log, with its keys and checkpoint sinks."""
    from dlp.quarantine.store import open_engine
    from dlp.quarantine.wiring import open_audit

    settings = _settings(args)
    engine = open_engine(settings.quarantine.url)
    try:
        return act(open_audit(settings, engine))
    finally:
        engine.dispose()


def run_rotate(args: argparse.Namespace) -> int:
    def rotate(audit: AuditLog) -> tuple[int, Path]:
        count, _ = audit.head()
        audit.rotate()
        return count, audit.path

    count, path = _with_audit(args, rotate)
    if not count:
        print(f"nothing to rotate: {path} is empty")
        return 0
    print(f"rotated: {path}.1 holds the chain up to entry {count}; {path} continues it")
    return 0


def run_checkpoint(args: argparse.Namespace) -> int:
    checkpoint = _with_audit(args, lambda audit: audit.checkpoint())
    if checkpoint is None:
        print("nothing to checkpoint: the audit log is empty")
        return 0
    print(f"checkpoint: host {checkpoint.host}, {checkpoint.count} entries, head {checkpoint.head}")
    return 0
