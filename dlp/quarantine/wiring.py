"""Assembling `Triage` from the application's settings: the one place that reads them.

Shared by `dlp quarantine` and `dlp web`. The policy (for encryption certificates and the
notice's sender address) is read only when a release or a rejection needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dlp.actions.outbox import Backoff, Outbox
from dlp.audit import AuditLog
from dlp.delivery import deliver
from dlp.quarantine.crypto import load_keyring
from dlp.quarantine.outbox import OutboxStore
from dlp.quarantine.release import RejectNotice, Releaser, bind
from dlp.quarantine.store import QuarantineStore
from dlp.quarantine.triage import Triage
from dlp.settings import Settings

DEFAULT_AUDIT = Path("var/audit.log")


def open_store(settings: Settings, env: Mapping[str, str]) -> QuarantineStore:
    """The store ``[quarantine]`` names, with its retention (as the gateway's holder has it)."""
    quarantine = settings.quarantine
    keyring = load_keyring(env, quarantine.key_file)
    return QuarantineStore.open(quarantine.url, keyring, quarantine.retention_days)


def build_triage(settings: Settings, store: QuarantineStore, with_delivery: bool = True) -> Triage:
    """``with_delivery``: read the policy now, for releases and reject notices."""
    audit = AuditLog(settings.audit_file or DEFAULT_AUDIT)
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
    return Triage(store, audit, releaser, notice)
