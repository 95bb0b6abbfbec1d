"""`dlp gateway`: run the SMTP gateway every outbound message passes through.

dlp gateway [--config FILE] [--check]

Without --config it runs on the embedded defaults (see dlp/settings.py): the sample policy,
an SQLite quarantine and files under ./var/, delivering to ./var/delivered/. SIGHUP reloads
the policy (a bad one is refused and the running one kept) and the roster (as does a change
of its file: `smtp_gateway.roster_reload`); SIGTERM or Ctrl-C stops taking
mail, lets the messages in flight finish, then exits. What it creates (keys, the quarantine
database, the audit log, their folders) is its user's only: umask 077. --check also fails
(exit 1) when one of those files, or the TLS key or password file, is open to others
(`dlp.file_modes`).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Mapping

from dlp.cli import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "gateway", help="run the SMTP gateway (relay) that scans every outbound message"
    )
    parser.add_argument("--config", help="the gateway's TOML file (default: embedded defaults)")
    parser.add_argument(
        "--check", action="store_true", help="check the configuration and policy, then exit"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # here: `dlp --help` registers this command too

    from dlp.actions.notify import NoticeError
    from dlp.detect.categories import CategoryError
    from dlp.file_modes import unsafe_modes, use_private_umask
    from dlp.policy import PolicyError
    from dlp.roster.secret import SecretError
    from dlp.settings import SettingsError, load_settings
    from smtp_gateway.config import PolicyBundle
    from smtp_gateway.logs import configure

    try:
        settings = load_settings(args.config)
        bundle = PolicyBundle.load(
            settings.policy_file, settings.gateway.notice_from, settings.detection.categories()
        )
    except (SettingsError, PolicyError, NoticeError, CategoryError) as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot read the policy: {error}") from None
    if args.check:
        unsafe = unsafe_modes(settings)
        for line in unsafe:
            print(f"unsafe: {line}")
        if unsafe:
            return 1
        print(f"{settings.source}: ok; policy {settings.policy_file} ({bundle.version})")
        return 0
    use_private_umask()  # the keys, the database and the audit log it creates: 0600, 0700
    configure(settings.logging.level, settings.logging.file)
    try:
        return asyncio.run(_serve(settings))
    except (SecretError, PolicyError, NoticeError, ValueError) as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot start the gateway: {error}") from None


def notify_ready(env: Mapping[str, str]) -> None:
    """Tell systemd (``Type=notify``) that mail is being taken: the unit's ExecStartPost
    (``postqueue -f``, deploy/systemd) then finds the gateway listening."""
    path = env.get("NOTIFY_SOCKET", "")
    if not path:
        return
    address = "\0" + path[1:] if path.startswith("@") else path  # "@": an abstract socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.sendto(b"READY=1", address)


async def _serve(settings: object) -> int:
    import asyncio

    from dlp.settings import Settings
    from smtp_gateway.server import Gateway

    assert isinstance(settings, Settings)
    gateway = Gateway(settings, os.environ)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGHUP, gateway.reload)
    try:
        await gateway.start()
    except BaseException:
        await gateway.stop()
        raise
    print(
        f"dlp gateway: listening on {settings.gateway.listen.host}:{gateway.smtp_port}",
        file=sys.stderr,
    )
    notify_ready(os.environ)
    await stop.wait()
    await gateway.stop()
    return 0
