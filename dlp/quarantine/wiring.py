"""Assembling `Triage` from the application's settings: the one place that reads them.

Shared by `dlp quarantine` and `dlp web`. The policy (for encryption certificates and the
notice's sender address) is read only when a release or a rejection needs it.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine

from dlp.audit import AuditLog
from dlp.audit_checkpoints import Sink, syslog_handler, syslog_sink
from dlp.audit_keys import AuditKeys
from dlp.delivery import deliver
from dlp.quarantine.checkpoints import CheckpointBook
from dlp.quarantine.crypto import load_keyring
from dlp.quarantine.release import RejectNotice, Releaser
from dlp.quarantine.store import QuarantineStore
from dlp.quarantine.triage import Triage
from dlp.settings import Settings

DEFAULT_AUDIT = Path("var/audit.log")


def open_store(settings: Settings, env: Mapping[str, str]) -> QuarantineStore:
    """The store ``[quarantine]`` names, with its retention (as the gateway's holder has it)."""
    quarantine = settings.quarantine
    keyring = load_keyring(env, quarantine.key_file)
    return QuarantineStore.open(quarantine.url, keyring, quarantine.retention_days)


def open_audit(settings: Settings, engine: Engine) -> AuditLog:
    """The audit log with its keys (created when missing), this host's name, and checkpoints
    to the quarantine database at ``engine`` and to syslog when ``[logging] syslog`` names one.
    """
    chain = settings.audit
    sinks: list[Sink] = [CheckpointBook(engine).record]
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


def build_triage(settings: Settings, store: QuarantineStore, with_delivery: bool = True) -> Triage:
    """``with_delivery``: read the policy now, for releases and reject notices."""
    audit = open_audit(settings, store.engine)
    if not with_delivery:
        return Triage(store, audit)
    from dlp.actions.smime import CertificateStore
    from dlp.policy import load_policy

    policy = load_policy(settings.policy_file)
    folder = policy.encryption.certificates
    certificates = (
        CertificateStore.load(Path(policy.source).parent / folder)
        if folder
        else CertificateStore({}, ())
    )
    target = settings.delivery.target()
    domain = policy.internal_domains[0] if policy.internal_domains else "localhost"
    releaser = Releaser(deliver, target, certificates, policy.encryption.neutral_subject)
    notice = RejectNotice(
        deliver,
        target,
        from_address=settings.gateway.notice_from or f"postmaster@{domain}",
        district=policy.district_name,
    )
    return Triage(store, audit, releaser, notice)
