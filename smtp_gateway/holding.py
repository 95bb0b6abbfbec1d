"""Where held (quarantined) messages go.

`Holder` is the quarantine store's interface as far as the gateway needs it: ``hold`` returns
an id only once the message is durably stored. `open_holder` uses `dlp.quarantine` when it is
installed; `FolderHolder` is the fallback: the message and its decision written, fsynced and
renamed into a folder, for an administrator to look at by hand.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from dlp.delivery import write_durably
from dlp.model import ScanResult
from dlp.policy import Decision

log = logging.getLogger("smtp_gateway.holding")


class Holder(Protocol):
    def hold(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
    ) -> str: ...


class FolderHolder:
    """``<folder>/<id>.eml`` beside ``<folder>/<id>.json`` (envelope and decision, no content)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def hold(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        decision: Decision,
        scan: ScanResult,
        message_id: str,
    ) -> str:
        held = time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(6)
        record = {
            "id": held,
            "sender": sender,
            "recipients": list(recipients),
            "message_id": message_id,
            "message_id_digest": scan.message_id.digest if scan.message_id else "",
            "decision": decision.audit_fields(message_id),
        }
        staging = self.folder / ".tmp"
        # The record first: a message file is never there without its record.
        write_durably(
            staging / f"{held}.json",
            self.folder / f"{held}.json",
            json.dumps(record, indent=2).encode(),
        )
        write_durably(staging / f"{held}.eml", self.folder / f"{held}.eml", raw)
        return held


def open_holder(
    url: str,
    key_file: Path,
    fallback_folder: Path,
    env: Mapping[str, str] | None = None,
    retention_days: int | None = None,
    digest_secret: tuple[bytes, str] | None = None,
) -> Holder:
    """The quarantine store at ``url`` (its key from ``$DLP_QUARANTINE_KEY`` or ``key_file``),
    or `FolderHolder` when `dlp.quarantine` is not installed.

    ``retention_days`` (``[quarantine] retention_days``) sets each held message's expiry; None
    keeps the store's default. The folder fallback has no expiry: its files are for a person.
    ``digest_secret``: the gateway's digest secret and where it came from, checked against the
    one the quarantine's findings are keyed with (`dlp.quarantine.sharing`).
    """
    try:
        from dlp.detect.masking import secret_fingerprint
        from dlp.quarantine.crypto import KEY_ENV, load_keyring
        from dlp.quarantine.sharing import check_digest_secret, check_key
        from dlp.quarantine.store import QuarantineStore
    except ImportError:
        log.warning(
            "no quarantine store installed (dlp.quarantine): held messages go to %s",
            fallback_folder,
        )
        return FolderHolder(fallback_folder)
    keyring = load_keyring(env or {}, key_file)
    store = (
        QuarantineStore.open(url, keyring)
        if retention_days is None
        else QuarantineStore.open(url, keyring, retention_days)
    )
    from_env = bool((env or {}).get(KEY_ENV))
    source = f"the key in ${KEY_ENV}" if from_env else f"the quarantine key file {key_file}"
    try:
        # Before this gateway seals anything under a key the quarantine's other users lack.
        check_key(store, source)
        if digest_secret is not None:
            secret, secret_source = digest_secret
            check_digest_secret(store, secret_fingerprint(secret), secret_source)
    except BaseException:
        store.close()
        raise
    holder: Holder = store
    return holder
