"""`dlp roster sync`: replace the roster with what a OneRoster REST API holds now.

dlp roster sync --oneroster URL [--api 1.1|1.2] [--auth oauth1|oauth2] [--token-url URL]
                [--scope SCOPES] [--client-id ID] [--client-secret-file FILE] [--full]
                [--state FILE] [--page-size N] [--timeout SECONDS] [--attempts N]
                [--max-shrink PERCENT] [--json]
                [--store FILE] [--config FILE] [--secret-file FILE]

URL is the server (``https://sis.example.org``), or the API's own address ending in
``/ims/oneroster/v1p1`` or ``/ims/oneroster/rostering/v1p2``, which also says the version.
1.1 signs with OAuth 1.0a, 1.2 takes an OAuth 2 token from --token-url (--auth changes
either). The client id comes from --client-id or $DLP_ONEROSTER_CLIENT_ID; the client secret
from --client-secret-file or $DLP_ONEROSTER_CLIENT_SECRET, never from the command line (it
would show in the process list). The store and the district secret are found as for
`dlp roster import`; the records kept for the next delta go beside the store (STORE.sync,
sealed with the district secret) unless --state names another file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from dlp.cli import UsageError
from dlp.roster.oauth import ClientCredentials
from dlp.roster.oneroster_client import (
    DEFAULT_AUTH,
    SCOPES_12,
    OneRosterClient,
    OneRosterError,
    Retry,
    api_base,
)

if TYPE_CHECKING:
    from dlp.roster.store import RosterStore

CLIENT_ID_ENV = "DLP_ONEROSTER_CLIENT_ID"
CLIENT_SECRET_ENV = "DLP_ONEROSTER_CLIENT_SECRET"


def register_sync(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
    open_store: Callable[[argparse.Namespace], RosterStore],
) -> None:
    """``common`` adds the store and secret options; ``open_store`` finds them as an import
    does (both `dlp.commands.roster`'s, passed in: that module registers this one)."""
    parser = commands.add_parser("sync", help="replace the roster from a OneRoster REST API")
    parser.add_argument("--oneroster", required=True, metavar="URL", help="the API's address")
    parser.add_argument("--api", choices=("1.1", "1.2"), help="default: from URL, else 1.1")
    parser.add_argument("--auth", choices=("oauth1", "oauth2"), help="default: by version")
    parser.add_argument("--token-url", help="OAuth 2: the token endpoint")
    parser.add_argument("--scope", help="OAuth 2: the scopes to ask for (1.2 default: rostering)")
    parser.add_argument("--client-id", help=f"default: ${CLIENT_ID_ENV}")
    parser.add_argument("--client-secret-file", type=Path, help=f"default: ${CLIENT_SECRET_ENV}")
    parser.add_argument("--full", action="store_true", help="read everything, not a delta")
    parser.add_argument("--state", type=Path, help="the records kept for deltas (STORE.sync)")
    parser.add_argument("--page-size", type=_positive, default=1000)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--attempts", type=_positive, default=4, help="tries per request")
    parser.add_argument(
        "--max-shrink",
        type=_percent,
        default=None,
        metavar="PERCENT",
        help="refuse a sync that drops more of the students and staff (default 25; 100: any)",
    )
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    common(parser)
    parser.set_defaults(func=run_sync, open_store=open_store)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _percent(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


def _credentials(args: argparse.Namespace, env: dict[str, str]) -> ClientCredentials:
    client_id = args.client_id or env.get(CLIENT_ID_ENV, "")
    if not client_id:
        raise UsageError(f"no client id: pass --client-id or set {CLIENT_ID_ENV}")
    if args.client_secret_file is not None:
        try:
            secret = args.client_secret_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise UsageError(f"cannot read {args.client_secret_file}: {error.strerror}") from None
    else:
        secret = env.get(CLIENT_SECRET_ENV, "")
    if not secret:
        raise UsageError(f"no client secret: pass --client-secret-file or set {CLIENT_SECRET_ENV}")
    return ClientCredentials(client_id, secret)


def _without_credentials(url: str) -> str:
    """The address as kept in the manifest: no user, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def run_sync(args: argparse.Namespace) -> int:
    # The store and the sync load numpy: only when a sync runs, not when `dlp` starts.
    from dlp.roster.people import RosterFormatError
    from dlp.roster.store import RosterStoreError
    from dlp.roster.sync import DEFAULT_MAX_SHRINK, ShrinkRefused, sync

    store: RosterStore = args.open_store(args)
    max_shrink = DEFAULT_MAX_SHRINK if args.max_shrink is None else args.max_shrink / 100
    credentials = _credentials(args, dict(os.environ))
    try:
        base, api = api_base(args.oneroster, args.api)
        auth = args.auth or DEFAULT_AUTH[api]
        scope = args.scope or (SCOPES_12 if api == "1.2" else None)
        client = OneRosterClient(
            base,
            credentials,
            auth,
            token_url=args.token_url,
            scope=scope,
            timeout=args.timeout,
            retry=Retry(attempts=args.attempts),
            page_size=args.page_size,
        )
    except OneRosterError as error:
        raise UsageError(str(error)) from None
    state = args.state or store.path.with_name(store.path.name + ".sync")
    try:
        with client:
            report = sync(
                client,
                store,
                state,
                _without_credentials(base),
                api,
                full=args.full,
                max_shrink=max_shrink,
            )
    except (OneRosterError, RosterFormatError, RosterStoreError, ShrinkRefused) as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"{error.filename or state}: {error.strerror}") from None
    if args.json:
        print(json.dumps({"format": f"oneroster-{api}-api", **report.to_dict()}, sort_keys=True))
        return 0
    since = f" since {report.since}" if report.since else ""
    fetched = ", ".join(f"{n} {name}" for name, n in report.fetched.items())
    print(f"synced OneRoster {api} ({report.mode}{since}): {fetched}; {report.removed} deleted")
    for note in report.notes:
        print(f"  note: {note}", file=sys.stderr)
    for role, changes in report.imported.changes.items():
        print(
            f"  {role}: {changes.added} added, {changes.removed} removed, "
            f"{changes.changed} changed, {changes.unchanged} unchanged"
        )
    return 0
