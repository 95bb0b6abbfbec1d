"""``rotate-key`` and ``adopt-secret``: the quarantine's sealing key and the digest secret
its findings were made under."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from dlp.cli import UsageError

if TYPE_CHECKING:
    from dlp.quarantine.triage import Actor, Triage


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    actions.add_parser("rotate-key", help="re-encrypt messages sealed under an old key")
    actions.add_parser(
        "adopt-secret",
        help="record the settings' digest secret as the quarantine's (after changing it)",
    )


def rotate(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


def adopt_secret(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
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


ACTIONS = {"rotate-key": rotate, "adopt-secret": adopt_secret}
