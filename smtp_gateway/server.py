"""The gateway assembled from `dlp.settings`: the one place where the parts meet.

`Gateway.start` starts the scanning processes, the SMTP listener and the metrics endpoint;
`reload` swaps in a new policy (refusing a bad one); `stop` stops taking mail, lets the messages
in flight finish (up to ``drain_seconds``), then closes connections and processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import ssl
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from dlp.actions.disclosures import DisclosureLog
from dlp.actions.loopstamp import LoopStamp
from dlp.actions.notify import NoticeError
from dlp.actions.outbox import Backoff, Outbox
from dlp.actions.step import ActionStep
from dlp.audit import AuditLog
from dlp.audit_keys import create_key_file
from dlp.delivery import (
    ConnectionCache,
    DeliveryResult,
    DeliveryTarget,
    MxDelivery,
    NextHop,
    deliver,
)
from dlp.extract.limits import Limits
from dlp.policy import PolicyError
from dlp.policy.facts import beyond_the_cap
from dlp.portal.wiring import build_drop, build_offer
from dlp.roster.secret import load_secret
from dlp.settings import Settings
from dlp.upkeep.scheduler import Scheduler
from smtp_gateway import replies
from smtp_gateway.alerting import open_alerting
from smtp_gateway.config import PolicyBundle
from smtp_gateway.decision_book import DecisionRecorder
from smtp_gateway.decision_metrics import DecisionMetrics
from smtp_gateway.handler import GatewayHandler, InFlight
from smtp_gateway.health import HealthServer
from smtp_gateway.holding import Holder, open_holder
from smtp_gateway.logs import log_event
from smtp_gateway.metrics import Metrics
from smtp_gateway.options import RelayOptions
from smtp_gateway.outbox import OutboxWorker
from smtp_gateway.protocol import GatewaySMTP
from smtp_gateway.queue_gauges import QueueGauges
from smtp_gateway.relay import Relay
from smtp_gateway.roster_reload import RosterReload
from smtp_gateway.scanning import ScanPool
from smtp_gateway.siem_events import SiemEvents
from smtp_gateway.tenant import Admission, TenantCheck
from smtp_gateway.upkeep import UpkeepWorker
from smtp_gateway.worker import ScanJob

log = logging.getLogger("smtp_gateway.server")


def ensure_key_file(path: Path, what: str) -> bytes:
    """The key in ``path``; a new random one (hex, mode 0600) when the file does not exist."""
    if create_key_file(path, secrets.token_hex(32).encode() + b"\n"):
        log_event(
            "key-created",
            logging.WARNING,
            what=what,
            file=str(path),
            mode="0600",
            note="keep a copy: data keyed or encrypted with it is unreadable without it",
        )
    return path.read_bytes().strip()


def _open_audit(settings: Settings) -> tuple[AuditLog | None, Engine | None]:
    """The audit log, checkpointed into the quarantine database (`open_audit`)."""
    if settings.audit_file is None:
        return None, None
    from dlp.quarantine.store import open_engine
    from dlp.quarantine.wiring import open_audit

    engine = open_engine(settings.quarantine.url)
    return open_audit(settings, engine), engine


def _describe(target: DeliveryTarget) -> str:
    if isinstance(target, NextHop):
        return f"next hop {target.host}:{target.port} (TLS {target.tls.value})"
    if isinstance(target, MxDelivery):
        return f"recipient MX hosts (TLS {target.tls.value})"
    return f"folder {target.path}"


@dataclass(frozen=True, slots=True)
class Overrides:
    """For tests and benchmarks: parts to use instead of the ones the settings describe."""

    holder: Holder | None = None
    target: DeliveryTarget | None = None
    scan_builder: str | None = None
    start_method: str = "forkserver"


class Gateway:
    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str] | None = None,
        overrides: Overrides = Overrides(),
    ) -> None:
        self.settings = settings
        gateway = settings.gateway
        ensure_key_file(settings.detection.secret_file, "digest secret")
        secret = load_secret(env or {}, settings.detection.secret_file)
        detection = settings.detection
        # A missing roster or one hashed under another secret stops the start here, with its
        # reason, rather than in every scanning process; they load a checked copy of it.
        self.roster = (
            RosterReload(
                detection.roster,
                secret,
                detection.roster_max_age_days,
                detection.roster_check_seconds,
            )
            if detection.roster is not None
            else None
        )
        self.bundle_path = settings.policy_file
        # The scanner's categories, fixed while it runs: a reloaded policy is held to them.
        self.categories = settings.detection.categories()
        bundle = PolicyBundle.load(self.bundle_path, gateway.notice_from, self.categories)
        self._check_counts(bundle)
        job = ScanJob(
            detection=self.roster.configure(detection.config(secret))
            if self.roster
            else detection.config(secret),
            limits=Limits(
                max_file_bytes=max(gateway.max_message_bytes, Limits().max_file_bytes),
                max_message_bytes=max(gateway.max_message_bytes, Limits().max_message_bytes),
                max_seconds=gateway.scan_timeout,
                early_blocks=False,  # every cell is scanned: whole blocks, never re-joined
            ),
            max_findings_per_type=gateway.max_findings_per_type,
            **({"builder": overrides.scan_builder} if overrides.scan_builder else {}),
            log_level=settings.logging.level,
            log_file=settings.logging.file,
            roster_version=self.roster.current.version if self.roster else None,
        )
        self.pool = ScanPool(
            job, gateway.workers, gateway.max_pending, gateway.scan_timeout, overrides.start_method
        )
        holder = overrides.holder
        if holder is None:
            quarantine = settings.quarantine
            ensure_key_file(quarantine.key_file, "quarantine key")
            holder = open_holder(
                quarantine.url,
                quarantine.key_file,
                quarantine.folder,
                env,
                retention_days=quarantine.retention_days,
                digest_secret=(secret, f"the digest secret in {settings.detection.secret_file}"),
            )
        self.target = overrides.target or settings.delivery.target()
        self.outbound = ConnectionCache(max_idle=settings.delivery.threads)
        self.executor = ThreadPoolExecutor(settings.delivery.threads, thread_name_prefix="dlp-io")
        self.metrics = Metrics()
        self.in_flight = InFlight()
        self.audit, self.audit_engine = _open_audit(settings)
        self.outbox = self._outbox()
        self.outbox_worker = (
            OutboxWorker(
                self.outbox,
                self.executor,
                self.metrics,
                gateway.notice_alert_seconds,
                poll=min(5.0, gateway.notice_retry_seconds),
            )
            if self.outbox is not None
            else None
        )
        stamp = LoopStamp(gateway.hostname or socket.gethostname(), secret)
        step = ActionStep(self._deliver, self.outbox, self._disclosures())
        self.relay = Relay(
            bundle=bundle,
            check=self.pool.check,
            deliver=self._deliver,
            holder=holder,
            executor=self.executor,
            metrics=self.metrics,
            audit=self.audit,
            options=RelayOptions.of(settings),
            step=step,
            loop_stamp=stamp,
            portal=build_drop(settings, bundle.policy, env or {}, holder, step, self.audit),
        )
        self.relay.override_offer = build_offer(
            settings, lambda: self.relay.bundle.policy, env or {}, holder, self.audit
        )
        self.alerting = open_alerting(
            settings,
            self.relay.step,
            self.outbox,
            self.audit,
            lambda: self.relay.bundle.policy,
            lambda: self.relay.bundle.notice_from,
            self.executor,
            self.metrics,
            self.relay.background,
        )
        if self.alerting is not None:
            self.relay.observers.append(self.alerting[0])
        self.relay.observers.append(DecisionMetrics(self.metrics, lambda: self.relay.bundle.policy))
        self.siem = (
            SiemEvents(
                settings.siem, secret, self.metrics, gateway.hostname or socket.gethostname()
            )
            if settings.siem.enabled
            else None
        )
        if self.siem is not None:
            self.relay.observers.append(self.siem)
        self.gauges = self._gauges()
        self.decisions = self._decisions(secret)
        self.upkeep = self._upkeep(env or {})
        if self.decisions is not None:
            self.relay.observers.append(self.decisions)
            self.relay.sender_history = self.decisions.history
        self.handler = GatewayHandler(
            self.relay,
            gateway.client_networks,
            gateway.max_recipients,
            self.busy,
            self.in_flight,
            Admission(stamp, self._tenant_check(), self.executor),
        )
        self.hostname = gateway.hostname or socket.gethostname()
        self.tls_context = self._tls_context()
        self.authenticator = None
        if gateway.auth.users_file is not None:
            from smtp_gateway.auth import UsersFile

            self.authenticator = UsersFile(gateway.auth.users_file)
        self.health = HealthServer(self.metrics, self.status)
        self.connections: weakref.WeakSet[GatewaySMTP] = weakref.WeakSet()
        self.server: asyncio.Server | None = None
        self.draining = False
        self.smtp_port = 0
        self.metrics_port = 0

    def _check_counts(self, bundle: PolicyBundle) -> None:
        cap = self.settings.gateway.max_findings_per_type
        misjudged = beyond_the_cap(bundle.policy, cap)
        if misjudged:
            log_event(
                "policy-counts-past-cap",
                logging.WARNING,
                max_findings_per_type=cap,
                comparisons=misjudged,
                note="counts past the cap are lower bounds: raise the cap or lower these numbers",
            )

    def _tenant_check(self) -> TenantCheck | None:
        tenant = self.settings.gateway.tenant
        if not tenant.enabled:
            return None
        # The policy's district domains, read at each message: a reload changes them too.
        return TenantCheck.of(tenant, lambda: self.relay.bundle.policy.internal_domains)

    def _tls_context(self) -> ssl.SSLContext | None:
        tls = self.settings.gateway.tls
        if tls.cert_file is None or tls.key_file is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.cert_file, tls.key_file)
        return context

    def _disclosures(self) -> DisclosureLog | None:
        """The per-student disclosure record, in the quarantine's database; None when
        `dlp.quarantine` is not installed."""
        try:
            from dlp.quarantine.disclosures import DisclosureStore
        except ImportError:
            log_event("disclosure-record-unavailable", logging.WARNING)
            return None
        return DisclosureStore.open(self.settings.quarantine.url)

    def _outbox(self) -> Outbox | None:
        """The outbound queue of notices, in the quarantine's database; None (one attempt
        per notice, as before the queue) when `dlp.quarantine` is not installed."""
        try:
            from dlp.quarantine.outbox import OutboxStore
        except ImportError:
            log_event("outbox-unavailable", logging.WARNING, note="notices get one attempt")
            return None
        gateway = self.settings.gateway
        return Outbox(
            OutboxStore.open(self.settings.quarantine.url),
            self._deliver,
            Backoff(gateway.notice_retry_seconds, gateway.notice_retry_max_seconds),
        )

    def _gauges(self) -> QueueGauges | None:
        """The review queue's gauges; None when `dlp.quarantine` is not installed."""
        try:
            from dlp.quarantine.store import open_engine
        except ImportError:
            return None
        return QueueGauges(open_engine(self.settings.quarantine.url), self.metrics, self.executor)

    def _decisions(self, secret: bytes) -> DecisionRecorder | None:
        """Every decision on the decisions table; None without `dlp.quarantine`."""
        try:
            from dlp.quarantine.decisions import DecisionBook
        except ImportError:
            return None
        alerter = self.alerting[1].alerter if self.alerting is not None else None
        return DecisionRecorder(
            DecisionBook.open(self.settings.quarantine.url),
            secret,
            self.executor,
            alerter,
            self.settings.alerts.students_24h,
        )

    def _upkeep(self, env: Mapping[str, str]) -> UpkeepWorker | None:
        """The scheduled upkeep (`dlp.upkeep`); None when turned off, without an audit log
        (the purge is audited) or without `dlp.quarantine`."""
        if not self.settings.upkeep.enabled or self.audit is None:
            return None
        try:
            from dlp.quarantine.triage import Triage
            from dlp.quarantine.upkeep import DatabaseLocks, build_jobs
            from dlp.quarantine.wiring import open_store
        except ImportError:
            return None
        store = open_store(self.settings, env)
        checks = self.alerting[1].checks if self.alerting is not None else None
        jobs = build_jobs(
            self.settings,
            Triage(store, self.audit),
            self.audit,
            lambda: self.relay.bundle.policy,
            checks,
        )
        locks = DatabaseLocks(store.engine, self.settings.upkeep.lock_minutes * 60)
        return UpkeepWorker(Scheduler(jobs, locks), self.executor, self.metrics)

    def _deliver(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        require_tls: bool,
        xforward: Mapping[str, str] | None = None,
        /,
    ) -> DeliveryResult:
        return deliver(raw, sender, recipients, self.target, require_tls, self.outbound, xforward)

    def _protocol(self) -> GatewaySMTP:
        gateway = self.settings.gateway
        protocol = GatewaySMTP(
            self.handler,
            max_line_length=gateway.max_line_length,
            data_size_limit=gateway.max_message_bytes,
            hostname=self.hostname,
            ident="DLP gateway",
            tls_context=self.tls_context,
            require_starttls=gateway.tls.required,
            timeout=gateway.idle_timeout,
            auth_required=gateway.auth.required,
            auth_require_tls=True,
            authenticator=self.authenticator,
            # Internationalized addresses (josé@example.org, RFC 6531): offered to every client;
            # the delivery asks the next hop for it when an address needs it.
            enable_SMTPUTF8=True,
            loop=asyncio.get_running_loop(),
        )
        self.connections.add(protocol)
        return protocol

    def busy(self) -> str | None:
        if self.draining:
            return replies.SHUTTING_DOWN
        if self.pool.saturated:
            self.metrics.scan_failures.labels("saturated").inc()
            return replies.BUSY
        return None

    def status(self) -> tuple[bool, dict[str, object]]:
        healthy = not self.draining and self.server is not None
        return healthy, {
            "status": "ok" if healthy else ("draining" if self.draining else "starting"),
            "policy_version": self.relay.bundle.version,
            **({"roster": self.roster.status()} if self.roster is not None else {}),
            "in_flight": len(self.in_flight),
            "scanning": {
                "workers": self.pool.size,
                "busy": self.pool.busy,
                "waiting": self.pool.waiting,
            },
        }

    async def start(self) -> None:
        if self.audit is not None:
            self.audit.recover()  # a torn tail set aside, audited and alerted, before any mail
        await self.pool.start()
        if self.roster is not None:
            self.roster.start(self.pool, self.executor, self.metrics)
        if self.outbox_worker is not None:
            # Notices left in the queue (before a restart, or by another gateway) are tried
            # from now on, as they come due.
            self.outbox_worker.start()
        if self.alerting is not None:
            self.alerting[1].start()  # alerts due, then the standing conditions
        if self.siem is not None:
            self.siem.start()
        if self.gauges is not None:
            self.gauges.start()
        if self.upkeep is not None:
            self.upkeep.start()  # jobs due now (by the database's record) run at once
        gateway = self.settings.gateway
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol, gateway.listen.host, gateway.listen.port, reuse_address=True
        )
        self.smtp_port = self.server.sockets[0].getsockname()[1]
        if gateway.metrics_listen is not None:
            self.metrics_port = await self.health.start(
                gateway.metrics_listen.host, gateway.metrics_listen.port
            )
        log_event(
            "started",
            listen=f"{gateway.listen.host}:{self.smtp_port}",
            metrics=f"{gateway.metrics_listen.host}:{self.metrics_port}"
            if gateway.metrics_listen
            else None,
            policy=str(self.bundle_path),
            policy_version=self.relay.bundle.version,
            delivery=_describe(self.target),
            workers=self.pool.size,
        )

    def reload(self) -> bool:
        """A new policy for new messages; a policy that does not load is refused, the old kept.
        The roster is read again too (in the background: `RosterReload`)."""
        if self.roster is not None:
            self.roster.request()
        try:
            bundle = PolicyBundle.load(
                self.bundle_path, self.settings.gateway.notice_from, self.categories
            )
        except (PolicyError, NoticeError, OSError) as error:
            self.metrics.policy_reloads.labels("refused").inc()
            log_event(
                "policy-reload-refused",
                logging.ERROR,
                error=str(error),
                kept=self.relay.bundle.version,
            )
            return False
        self._check_counts(bundle)
        self.relay.bundle = bundle
        self.metrics.policy_reloads.labels("ok").inc()
        log_event("policy-reloaded", policy_version=bundle.version)
        return True

    async def stop(self) -> None:
        self.draining = True
        if self.server is not None:
            self.server.close()
        left = await self.in_flight.drain(self.settings.gateway.drain_seconds)
        if self.relay.background:
            await asyncio.wait(list(self.relay.background), timeout=30)
        if self.decisions is not None:
            with contextlib.suppress(Exception):  # a failed batch is logged by the writer
                await asyncio.wait_for(self.decisions.flush(), 30)
        if self.outbox_worker is not None:
            await self.outbox_worker.stop()
        if self.alerting is not None:
            await self.alerting[1].stop()
        if self.gauges is not None:
            await self.gauges.stop()
        if self.upkeep is not None:
            await self.upkeep.stop()
            self.upkeep.scheduler.locks.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()
        log_event("stopped", unfinished=left)
        if self.audit is not None:
            with contextlib.suppress(Exception):  # _emit logs a sink's failure itself
                await asyncio.get_running_loop().run_in_executor(
                    self.executor, self.audit.checkpoint
                )
        await self.health.close()
        if self.roster is not None:
            await self.roster.stop()
        await self.pool.close()
        self.executor.shutdown(wait=True)
        self.outbound.close()
        if self.audit_engine is not None:
            self.audit_engine.dispose()
        if self.outbox is not None:
            self.outbox.close()
        if self.alerting is not None:
            self.alerting[1].alerter.store.close()
        if self.siem is not None:
            self.siem.close()  # what waits is sent, for a few seconds
        if self.decisions is not None:
            self.decisions.book.close()
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)
