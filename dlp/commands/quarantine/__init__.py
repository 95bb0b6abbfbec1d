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

One module per group of actions: `listing` (list, show), `decisions` (release, reject,
delete, export), `retention` (legal-hold, purge), `keys` (rotate-key, adopt-secret),
`false_positives`; `filters` and `times` are what they share.
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.config_option import add_config_option
from dlp.commands.quarantine import decisions, false_positives, keys, retention
from dlp.commands.quarantine import listing as listing_module

if TYPE_CHECKING:
    from dlp.quarantine.triage import Actor, Triage

Action = Callable[["Triage", "Actor", argparse.Namespace], int]

# The groups of actions, in the order `dlp quarantine --help` lists them.
_GROUPS = (listing_module, decisions, retention, keys, false_positives)
_ACTIONS: dict[str, Action] = {
    name: action for group in _GROUPS for name, action in group.ACTIONS.items()
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("quarantine", help="review held messages")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for group in _GROUPS:
        group.add_parsers(actions)
    add_config_option(parser, actions)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from dlp.quarantine.crypto import QuarantineKeyError
    from dlp.quarantine.errors import QuarantineError
    from dlp.quarantine.triage import Actor
    from dlp.quarantine.wiring import build_triage, open_listing, open_store
    from dlp.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
        listing = open_listing(settings, os.environ) if args.action == "list" else None
    except (SettingsError, QuarantineKeyError, QuarantineError) as error:
        raise UsageError(str(error)) from None
    actor = Actor(getpass.getuser(), "cli")
    if listing is not None:
        try:
            with _as_usage_errors():
                return listing_module.list_without_store(listing, settings, actor, args)
        except sqlite3.Error:
            pass  # before any look was recorded: the store meets it again and says what it is
        finally:
            listing.close()
    try:
        store = open_store(settings, os.environ)
    except (SettingsError, QuarantineKeyError, QuarantineError) as error:
        raise UsageError(str(error)) from None
    try:
        with _as_usage_errors():
            triage = build_triage(settings, store, args.action in ("release", "reject"), os.environ)
            return _ACTIONS[args.action](triage, actor, args)
    finally:
        store.close()


@contextmanager
def _as_usage_errors() -> Iterator[None]:
    """What a command reports in one line (exit status 2) rather than as a traceback."""
    try:
        yield
    except BrokenPipeError:
        raise  # our reader went away: not a usage error (`dlp` ends it quietly)
    except Exception as error:
        message = _usage_message(error)
        if message is None:
            raise
        raise UsageError(message) from None


def _usage_message(error: Exception) -> str | None:
    """The line for ``error``, None when it is no usage error. The classes are imported only
    when there is an error: the policy's would make every listing import the policy modules."""
    from dlp.audit import AuditError
    from dlp.detect.categories import CategoryError
    from dlp.policy import PolicyError
    from dlp.quarantine.errors import NotFound

    if isinstance(error, (NotFound, PolicyError, AuditError, CategoryError)):
        return str(error)
    if isinstance(error, OSError):
        return f"{error.filename or ''} {error.strerror or error}".strip()
    return None
