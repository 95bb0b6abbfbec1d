"""Assembling `Triage` from the application's settings: the one place that reads them.

Shared by `dlp quarantine` and `dlp web`. The policy (for encryption certificates and the
notice's sender address) is read only when a release or a rejection needs it, and what only
releases and notices use (mail, delivery, S/MIME) is imported only then. `open_listing` and
`open_listing_audit` are the terminal's listing of a SQLite quarantine, which imports neither
the store nor SQLAlchemy (`dlp.quarantine.sqlite_listing`).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.audit import AuditLog
from dlp.audit_checkpoints import Checkpoint, Sink, syslog_handler, syslog_sink
from dlp.audit_keys import AuditKeys
from dlp.model import Segment
from dlp.quarantine.crypto import load_keyring
from dlp.quarantine.sqlite_listing import SqliteListing
from dlp.quarantine.triage import Triage
from dlp.roster.secret import SecretError, load_secret

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from dlp.actions.loopstamp import LoopStamp
    from dlp.engine import Scanner
    from dlp.identifiers import Span
    from dlp.quarantine.reveal import ContextMask
    from dlp.quarantine.store import QuarantineStore
    from dlp.settings import Settings

DEFAULT_AUDIT = Path("var/audit.log")


def open_store(settings: Settings, env: Mapping[str, str]) -> QuarantineStore:
    """The store ``[quarantine]`` names, with its retention (as the gateway's holder has it)."""
    from dlp.quarantine.store import QuarantineStore

    quarantine = settings.quarantine
    keyring = load_keyring(env, quarantine.key_file)
    return QuarantineStore.open(quarantine.url, keyring, quarantine.retention_days)


def open_listing(settings: Settings, env: Mapping[str, str]) -> SqliteListing | None:
    """The terminal's listing of the SQLite quarantine ``[quarantine]`` names, once the store
    has set it up; None: open the store (`open_store`). The key is read as `open_store` reads
    it, so that a missing or bad key is the same error here."""
    quarantine = settings.quarantine
    load_keyring(env, quarantine.key_file)
    return SqliteListing.open(quarantine.url)


def open_audit(settings: Settings, engine: Engine) -> AuditLog:
    """The audit log with its keys (created when missing), this host's name, and checkpoints
    to the quarantine database at ``engine`` and to syslog when ``[logging] syslog`` names one.
    """
    from dlp.quarantine.checkpoints import CheckpointBook

    return _audit_log(settings, CheckpointBook(engine).record)


def open_listing_audit(settings: Settings) -> AuditLog:
    """`open_audit` for a listing without the store (`open_listing`): the quarantine database
    is opened for a checkpoint only when one falls due (one entry in ``checkpoint_every``)."""
    return _audit_log(settings, _CheckpointOnDemand(settings.quarantine.url))


class _CheckpointOnDemand:
    """A checkpoint sink that opens the quarantine database (SQLAlchemy, the engine) for each
    checkpoint, and closes it after."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, checkpoint: Checkpoint) -> None:
        from dlp.quarantine.checkpoints import CheckpointBook

        book = CheckpointBook.open(self.url)
        try:
            book.record(checkpoint)
        finally:
            book.close()


def _audit_log(settings: Settings, checkpoints: Sink) -> AuditLog:
    chain = settings.audit
    sinks: list[Sink] = [checkpoints]
    if settings.logging.syslog:
        sinks.append(syslog_sink(syslog_handler(settings.logging.syslog)))
    return AuditLog(
        settings.audit_file or DEFAULT_AUDIT,
        AuditKeys.load(chain.key_file, chain.signing_key_file),
        host=chain.host or socket.gethostname(),
        checkpoint_every=chain.checkpoint_every,
        sinks=sinks,
        rotate_bytes=chain.rotate_bytes,
    )


class _ContextMask:
    """The district's scanner over a text shown around findings: built on first use, since
    building it (Hyperscan databases, the roster) takes seconds most commands never need."""

    def __init__(self, settings: Settings, secret: bytes) -> None:
        # The configuration is made with the scanner: it imports the engine, which a command
        # that shows no context never needs. The settings and the secret are checked already
        # (`load_settings`, `load_secret`), so making it later raises nothing it would not now.
        self.detection = settings.detection
        self.secret = secret
        self.lock = threading.Lock()
        self.scanner: Scanner | None = None

    def __call__(self, text: str) -> Sequence[Span]:
        with self.lock:
            if self.scanner is None:
                from dlp.engine import build_scanner

                self.scanner = build_scanner(self.detection.config(self.secret))
        return self.scanner.scan(Segment(text))


def context_mask(settings: Settings, env: Mapping[str, str]) -> ContextMask | None:
    """What masks the context of a finding shown without a reveal; None where no digest
    secret is set up (then no roster can be loaded either, and stored findings still mask)."""
    try:
        secret = load_secret(env, settings.detection.secret_file)
    except SecretError:
        return None
    return _ContextMask(settings, secret)


def _stamp(settings: Settings, env: Mapping[str, str] | None) -> LoopStamp | None:
    """The gateway's loop stamp (same host name, same key), for released copies; None when
    the digest secret is not set up here (the copy then goes unstamped, as before)."""
    from dlp.actions.loopstamp import LoopStamp

    try:
        secret = load_secret(env or {}, settings.detection.secret_file)
    except SecretError:
        return None
    return LoopStamp(settings.gateway.hostname or socket.gethostname(), secret)


def build_triage(
    settings: Settings,
    store: QuarantineStore,
    with_delivery: bool = True,
    env: Mapping[str, str] | None = None,
) -> Triage:
    """``with_delivery``: read the policy now, for releases and reject notices. ``env``: where
    the digest secret may come from, for the scanner that masks context (`context_mask`)."""
    audit = open_audit(settings, store.engine)
    mask = context_mask(settings, env or {})
    if not with_delivery:
        return Triage(store, audit, mask=mask)
    from dlp.actions.outbox import Backoff, Outbox
    from dlp.actions.smime import CertificateStore
    from dlp.delivery import deliver
    from dlp.policy import load_policy
    from dlp.quarantine.disclosures import DisclosureStore
    from dlp.quarantine.outbox import OutboxStore
    from dlp.quarantine.release import RejectNotice, Releaser, bind

    policy = load_policy(settings.policy_file, settings.detection.categories())
    folder = policy.encryption.certificates
    certificates = (
        CertificateStore.load(Path(policy.source).parent / folder)
        if folder
        else CertificateStore({}, ())
    )
    target = settings.delivery.target()
    domain = policy.internal_domains[0] if policy.internal_domains else "localhost"
    releaser = Releaser(
        deliver,
        target,
        certificates,
        policy.encryption.neutral_subject,
        _stamp(settings, env),
        DisclosureStore(store.engine),
    )
    gateway = settings.gateway
    # A reject notice the next hop puts off waits in the quarantine's outbound queue, which
    # the gateway's worker drains.
    outbox = Outbox(
        OutboxStore(store.engine),
        bind(deliver, target),
        Backoff(gateway.notice_retry_seconds, gateway.notice_retry_max_seconds),
    )
    notice = RejectNotice(
        deliver,
        target,
        from_address=gateway.notice_from or f"postmaster@{domain}",
        district=policy.district_name,
        outbox=outbox,
    )
    return Triage(store, audit, releaser, notice, mask)
