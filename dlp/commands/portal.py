"""`dlp portal`: the secure pickup portal (docs/portal.md), and revoking its links.

dlp portal [--config FILE] [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM]
dlp portal serve [the same options]                 (the same as bare `dlp portal`)
dlp portal revoke ID [--recipient ADDRESS] [--note TEXT]
dlp portal links ID [--json]                        (a message's links: state, never tokens)

Its own listener, apart from `dlp web`: exposing the portal to the internet never exposes
staff triage. Without TLS it listens only on a loopback address (its cookies are Secure), as
`dlp web`; behind a proxy, [web] trusted_proxies says whose X-Forwarded-For to believe. Links
in its mail use [portal] public_url, else [web] public_url. Exit status: 0 done, 2 usage or
input error.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.config_option import add_config_option
from dlp.commands.serving import (
    listen_address,
    quarantine,
    require_tls_off_loopback,
    run_uvicorn,
    serving_parser,
)

if TYPE_CHECKING:
    from dlp.portal.service import PickupService
    from dlp.quarantine.store import QuarantineStore
    from dlp.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser, actions = serving_parser(
        subparsers, "portal", "the secure pickup portal", "the portal", run_serve
    )
    revoke = actions.add_parser("revoke", help="revoke a message's pickup links")
    revoke.add_argument("id")
    revoke.add_argument("--recipient", help="only this recipient's links")
    revoke.set_defaults(func=run_revoke)
    links = actions.add_parser("links", help="a message's pickup links (never their tokens)")
    links.add_argument("id")
    links.add_argument("--json", action="store_true")
    links.set_defaults(func=run_links)
    add_config_option(parser, actions)
    parser.set_defaults(func=run_serve)


def build(settings: Settings, store: QuarantineStore) -> PickupService:
    """The portal's service over ``store``: the policy (district name and domain), the audit
    log, and delivery through the gateway's delivery code with its durable queue."""
    from dlp.actions.outbox import Backoff, Outbox
    from dlp.actions.step import ActionStep
    from dlp.delivery import deliver
    from dlp.policy import PolicyError, load_policy
    from dlp.portal.notice import NoticeTemplateError
    from dlp.portal.wiring import build_service
    from dlp.quarantine.outbox import OutboxStore
    from dlp.quarantine.release import bind
    from dlp.quarantine.wiring import open_audit

    try:
        policy = load_policy(settings.policy_file, settings.detection.categories())
    except (PolicyError, OSError) as error:
        raise UsageError(str(error)) from None
    bound = bind(deliver, settings.delivery.target())
    gateway = settings.gateway
    outbox = Outbox(
        OutboxStore(store.engine),
        bound,
        Backoff(gateway.notice_retry_seconds, gateway.notice_retry_max_seconds),
    )
    try:
        return build_service(
            settings, policy, store, open_audit(settings, store.engine), ActionStep(bound, outbox)
        )
    except (ValueError, NoticeTemplateError) as error:
        raise UsageError(str(error)) from None


def run_serve(args: argparse.Namespace) -> int:
    from dlp.file_modes import use_private_umask
    from dlp.portal.app import create_portal_app

    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    use_private_umask()
    with quarantine(args) as (settings, store):
        listen = args.listen or str(settings.portal.listen)
        host, _ = listen_address(listen)
        require_tls_off_loopback(host, args.tls_cert, "the portal")
        app = create_portal_app(build(settings, store))
        run_uvicorn(app, "portal", listen, args, settings)
        return 0


def run_revoke(args: argparse.Namespace) -> int:
    from dlp.quarantine.store import NotFound

    with quarantine(args) as (settings, store):
        service = build(settings, store)
        try:
            count = service.revoke(args.id, getpass.getuser(), "cli", args.recipient)
        except NotFound as error:
            raise UsageError(str(error)) from None
        print(f"{args.id}: {count} link(s) revoked")
        return 0


def run_links(args: argparse.Namespace) -> int:
    from dlp.portal.links import PortalLinks

    with quarantine(args) as (_, store):
        links = PortalLinks(store.engine).for_message(args.id)
        rows = [
            {
                "recipient": link.recipient,
                "purpose": link.purpose.value,
                "created": link.created,
                "expires": link.expires,
                "revoked": link.revoked,
            }
            for link in links
        ]
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        for row in rows:
            state = "revoked" if row["revoked"] else "active"
            expires = datetime.fromtimestamp(int(str(row["expires"])), UTC).strftime("%Y-%m-%d")
            print(f"{row['purpose']:7} {state:8} until {expires}  {row['recipient']}")
        return 0
