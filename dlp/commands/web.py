"""`dlp web`: the reviewers' browser application, and its local accounts.

dlp web [--config FILE] [--listen 127.0.0.1:8025] [--tls-cert PEM --tls-key PEM]
dlp web serve [the same options]                  (the same as bare `dlp web`)
dlp web user NAME --role {viewer,reviewer,admin} [--config FILE] [--password-stdin]
dlp web user NAME --disable

The password comes from the first line of standard input with --password-stdin
(`echo "$PW" | dlp web user ann --role viewer --password-stdin`), else from
$DLP_WEB_PASSWORD, else it is asked twice on the terminal. Standard input rather than an
argument, so that it never shows in `ps` or the shell's history.

--config may come before or after the action; the store, its key and its retention come from
the settings' [quarantine], as the gateway's. Without TLS it listens only on a loopback
address: its session cookie is Secure, which browsers keep over plain HTTP only for loopback
origins, and a session must never cross a network in clear.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.serving import (
    listen_address,
    open_quarantine,
    quarantine,
    require_tls_off_loopback,
    run_uvicorn,
    serving_parser,
)

if TYPE_CHECKING:
    from dlp.portal.override import OverrideService

PASSWORD_ENV = "DLP_WEB_PASSWORD"
DEFAULT_LISTEN = "127.0.0.1:8025"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from dlp.commands.config_option import add_config_option

    parser, actions = serving_parser(
        subparsers,
        "web",
        "the quarantine's web application",
        "the web application",
        run_serve,
        DEFAULT_LISTEN,
    )
    user = actions.add_parser("user", help="add or change a local account")
    user.add_argument("name")
    user.add_argument("--role", choices=["viewer", "reviewer", "admin"])
    user.add_argument("--disable", action="store_true", help="disable the account")
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from the first line of standard input (else ${PASSWORD_ENV}, "
        "else the terminal)",
    )
    user.set_defaults(func=run_user)
    add_config_option(parser, actions)
    parser.set_defaults(func=run_serve)


def run_user(args: argparse.Namespace) -> int:
    from dlp.quarantine.wiring import open_audit
    from dlp.web.accounts import AccountError, Accounts, Role

    settings, store = open_quarantine(args)
    audit = open_audit(settings, store.engine)
    actor = {"actor": getpass.getuser(), "via": "cli"}
    try:
        accounts = Accounts(store)
        if args.disable:
            if not accounts.disable(args.name, True):
                raise UsageError(f"no account {args.name!r}")
            audit.append("account-disabled", **actor, username=args.name)
            print(f"{args.name}: disabled")
            return 0
        if not args.role:
            raise UsageError("give --role (viewer, reviewer or admin) or --disable")
        password = _password(args.password_stdin)
        try:
            accounts.put(args.name, password, Role(args.role))
        except AccountError as error:
            raise UsageError(str(error)) from None
        audit.append("account-saved", **actor, username=args.name, role=args.role)
        print(f"{args.name}: {args.role}")
        return 0
    finally:
        store.close()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, its line break removed and nothing else: spaces may be part of a password.
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise UsageError("--password-stdin: standard input holds no password")
        return password
    return os.environ.get(PASSWORD_ENV) or _ask_password()


def _ask_password() -> str:
    if not sys.stdin.isatty():
        raise UsageError(
            f"no terminal to ask for the password: pass --password-stdin or set {PASSWORD_ENV}"
        )
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UsageError("the passwords differ")
    return first


def _student_finder(settings: object) -> Callable[[str], tuple[str, ...]] | None:
    """The roster's student look-up for the disclosure pages; None without a roster (the
    pages then say so). A roster that cannot be opened stops the start, as the gateway's."""
    import functools

    from dlp.roster.lookup import student_subjects
    from dlp.roster.secret import SecretError, load_secret
    from dlp.roster.store import RosterStore, RosterStoreError
    from dlp.settings import Settings

    assert isinstance(settings, Settings)
    roster = settings.detection.roster
    if roster is None:
        return None
    try:
        secret = load_secret(os.environ, settings.detection.secret_file)
        matcher = RosterStore.open(roster, secret).matcher()
    except (SecretError, RosterStoreError) as error:
        raise UsageError(f"the roster for the disclosure pages: {error}") from None
    return functools.partial(student_subjects, matcher)


def _override(settings: object, store: object, triage: object) -> OverrideService | None:
    """The senders' override pages (docs/override.md), when ``[web] public_url`` is set."""
    from dlp.policy import load_policy
    from dlp.portal.wiring import build_override
    from dlp.quarantine.store import QuarantineStore
    from dlp.quarantine.triage import Triage
    from dlp.settings import Settings

    assert isinstance(settings, Settings) and isinstance(store, QuarantineStore)
    assert isinstance(triage, Triage)
    if settings.web.public_url is None:
        return None
    try:
        policy = load_policy(settings.policy_file, settings.detection.categories())
        return build_override(settings, store, triage, policy)
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from None


def run_serve(args: argparse.Namespace) -> int:
    from dlp.file_modes import use_private_umask
    from dlp.quarantine.wiring import build_triage
    from dlp.web.accounts import Accounts
    from dlp.web.app import create_app

    host, _ = listen_address(args.listen)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    require_tls_off_loopback(host, args.tls_cert, "the web application")
    use_private_umask()  # a database or key it creates is its user's only, as the gateway's
    with quarantine(args) as (settings, store):
        try:
            triage = build_triage(settings, store, env=os.environ)
        except (ValueError, OSError) as error:
            raise UsageError(str(error)) from None
        app = create_app(
            triage,
            Accounts(store),
            students=_student_finder(settings),
            override=_override(settings, store, triage),
        )
        run_uvicorn(app, "web", args.listen, args, settings)
        return 0
