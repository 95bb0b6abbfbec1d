"""Assembling the portal's parts from the settings: the gateway's `PickupDrop` and the
`PickupService` that ``dlp portal`` serves. The one place that reads ``[portal]``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from dlp.actions.step import ActionStep
from dlp.alerts.alert import Alert
from dlp.audit import AuditLog
from dlp.policy.config import Policy, WithoutCertificate
from dlp.portal.deposit import PickupDrop
from dlp.portal.disclosure import StudentRecord
from dlp.portal.links import PortalLinks
from dlp.portal.notice import Mailer, NoticeTemplates
from dlp.portal.override import OverrideOffer, OverrideRules, OverrideService
from dlp.portal.service import PickupService, PortalRules
from dlp.quarantine.crypto import load_keyring
from dlp.quarantine.disclosures import DisclosureStore
from dlp.quarantine.store import QuarantineStore
from dlp.quarantine.triage import Triage
from dlp.settings import Settings

log = logging.getLogger("dlp.portal")


def public_url(settings: Settings) -> str | None:
    return settings.portal.public_url or settings.web.public_url


def rules(settings: Settings) -> PortalRules:
    portal = settings.portal
    return PortalRules(
        link_days=portal.link_days,
        code_minutes=portal.code_minutes,
        code_tries=portal.code_tries,
        lockout_minutes=portal.lockout_minutes,
        codes_per_hour=portal.codes_per_hour,
        retention_days=portal.retention_days,
    )


def mailer(settings: Settings, policy: Policy) -> Mailer:
    url = public_url(settings)
    if url is None:
        raise ValueError("the pickup portal needs [web] public_url (https://...)")
    portal = settings.portal
    domain = policy.internal_domains[0] if policy.internal_domains else "localhost"
    return Mailer(
        from_address=portal.from_address or f"secure-messages@{domain}",
        district=policy.district_name,
        public_url=url,
        phrase=portal.phrase,
        templates=NoticeTemplates.load(portal.notice_template, portal.notice_template_es),
    )


def open_store(
    settings: Settings, env: Mapping[str, str], holder: object = None
) -> QuarantineStore:
    """``holder`` when it is the quarantine store itself, else a store of its own on the same
    database and key."""
    if isinstance(holder, QuarantineStore):
        return holder
    quarantine = settings.quarantine
    keyring = load_keyring(env, quarantine.key_file)
    return QuarantineStore.open(quarantine.url, keyring, quarantine.retention_days)


def build_drop(
    settings: Settings,
    policy: Policy,
    env: Mapping[str, str],
    holder: object,
    step: ActionStep,
    audit: AuditLog | None,
) -> PickupDrop | None:
    """The gateway's pickup drop; None (encrypted copies for the portal are held instead, as
    the log says) when no public URL is set."""
    wanted = policy.encryption.without_certificate is WithoutCertificate.PORTAL
    if public_url(settings) is None:
        if wanted:
            log.warning(
                "without_certificate = portal, but [web] public_url is not set: "
                "such copies are held instead"
            )
        return None
    store = open_store(settings, env, holder)
    return PickupDrop(
        store, PortalLinks(store.engine), mailer(settings, policy), step, rules(settings), audit
    )


def build_service(
    settings: Settings, policy: Policy, store: QuarantineStore, audit: AuditLog, step: ActionStep
) -> PickupService:
    """Every view and download of a message about roster students goes in their disclosure
    record (`StudentRecord`), in the quarantine's database."""
    return PickupService(
        store,
        PortalLinks(store.engine),
        audit,
        mailer(settings, policy),
        step,
        rules(settings),
        StudentRecord(store, DisclosureStore(store.engine)),
    )


def override_rules(settings: Settings) -> OverrideRules:
    portal, web = settings.portal, settings.web
    return OverrideRules(
        link_hours=web.override_link_hours,
        per_day=web.override_per_day,
        code_minutes=portal.code_minutes,
        code_tries=portal.code_tries,
        lockout_minutes=portal.lockout_minutes,
        codes_per_hour=portal.codes_per_hour,
    )


def build_offer(
    settings: Settings,
    policy: Callable[[], Policy],
    env: Mapping[str, str],
    holder: object,
    audit: AuditLog | None,
) -> OverrideOffer | None:
    """The gateway's override links (docs/override.md); None without ``[web] public_url`` or
    with ``override_per_day = 0``."""
    url = settings.web.public_url
    if url is None or settings.web.override_per_day == 0:
        return None
    store = open_store(settings, env, holder)
    return OverrideOffer(PortalLinks(store.engine), audit, policy, url, override_rules(settings))


def build_override(
    settings: Settings, store: QuarantineStore, triage: Triage, policy: Policy
) -> OverrideService | None:
    """`dlp web`'s override pages: releases through the triage's own delivery, code mail and
    alerts through the durable queues."""
    if settings.web.public_url is None or settings.web.override_per_day == 0:
        return None
    notice = triage.notice
    if triage.releaser is None or notice is None:
        return None
    from dlp.quarantine.release import bind

    step = ActionStep(bind(notice.deliver, notice.target), notice.outbox)
    return OverrideService(
        store,
        PortalLinks(store.engine),
        triage,
        triage.audit,
        step,
        lambda: policy,
        notice.from_address,
        settings.web.public_url,
        override_rules(settings),
        _alert(settings, step, notice.from_address),
    )


def _alert(settings: Settings, step: ActionStep, sender: str) -> Callable[[Alert], None] | None:
    if not settings.alerts.enabled:
        return None
    from dlp.alerts.dispatch import Alerter, load_secret
    from dlp.quarantine.alert_queue import AlertQueueStore

    alerts = settings.alerts
    alerter = Alerter(
        alerts,
        AlertQueueStore.open(settings.quarantine.url),
        step,
        sender,
        load_secret(alerts.webhook_secret_file),
    )

    def alert(found: Alert) -> None:
        alerter.first_attempts(alerter.raise_alert(found))

    return alert
