"""What `dlp web` and `dlp portal` share as HTTP servers: the ``--listen`` address, the rule
that plain HTTP listens only on loopback, the quarantine they open and uvicorn's options."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dlp.cli import UsageError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from dlp.quarantine.store import QuarantineStore
    from dlp.settings import Settings


def listen_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"--listen must be HOST:PORT, not {text!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def require_tls_off_loopback(host: str, tls_cert: str | None, what: str) -> None:
    """Without TLS, ``what`` ("the web application", "the portal") listens only on loopback."""
    if not tls_cert and not is_loopback(host):
        raise UsageError(
            f"without TLS {what} listens only on loopback, not {host}: "
            "give --tls-cert and --tls-key"
        )


def open_quarantine(args: argparse.Namespace) -> tuple[Settings, QuarantineStore]:
    """The settings of ``--config`` and the quarantine they name; errors are usage errors."""
    from dlp.quarantine.crypto import QuarantineKeyError
    from dlp.quarantine.store import QuarantineError
    from dlp.quarantine.wiring import open_store
    from dlp.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
        store = open_store(settings, os.environ)
    except (SettingsError, QuarantineKeyError, QuarantineError) as error:
        raise UsageError(str(error)) from None
    return settings, store


@contextmanager
def quarantine(args: argparse.Namespace) -> Iterator[tuple[Settings, QuarantineStore]]:
    """`open_quarantine`, the store closed when the block ends."""
    settings, store = open_quarantine(args)
    try:
        yield settings, store
    finally:
        store.close()


def run_uvicorn(
    app: Starlette, name: str, listen: str, args: argparse.Namespace, settings: Settings
) -> None:
    """Serve ``app`` on ``listen`` with ``--tls-cert``/``--tls-key``, said on standard error
    as ``dlp NAME: serving on URL``. No access log (paths and query strings carry link
    tokens and filter values; the audit log records what matters), no server header, and
    X-Forwarded-For believed only from the proxies the settings name (uvicorn's default
    believes loopback or $FORWARDED_ALLOW_IPS)."""
    import uvicorn

    host, port = listen_address(listen)
    scheme = "https" if args.tls_cert else "http"
    print(f"dlp {name}: serving on {scheme}://{listen}/", file=sys.stderr)
    proxies = [str(network) for network in settings.web.trusted_proxies]
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


def serving_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    what: str,
    short: str,
    run_serve: Callable[[argparse.Namespace], int],
    listen_default: str | None = None,
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    """The command ``name`` (``what``, ``short`` in the serve action's help) that serves when
    no action is given, its ``serve`` action, and the parser for its other actions;
    ``--listen`` (``listen_default``, else ``[name] listen``), ``--tls-cert`` and
    ``--tls-key`` go before or after ``serve``."""
    parser = subparsers.add_parser(name, help=f"{what} (serves it when no action is given)")
    listen_help = f"HOST:PORT (default {listen_default or f'[{name}] listen'})"
    _serve_options(parser, False, listen_default, listen_help)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    serve = actions.add_parser("serve", help=f"serve {short} (the same as no action)")
    _serve_options(serve, True, listen_default, listen_help)
    serve.set_defaults(func=run_serve)
    return parser, actions


def _serve_options(
    parser: argparse.ArgumentParser, nested: bool, listen_default: str | None, listen_help: str
) -> None:
    # Nested (``dlp web serve``): SUPPRESS, so options given before ``serve`` are kept.
    default = argparse.SUPPRESS if nested else None
    parser.add_argument(
        "--listen", default=argparse.SUPPRESS if nested else listen_default, help=listen_help
    )
    parser.add_argument("--tls-cert", default=default, help="certificate chain (PEM) for HTTPS")
    parser.add_argument("--tls-key", default=default, help="its private key (PEM)")
