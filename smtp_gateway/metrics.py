"""Prometheus metrics, in a registry of the gateway's own (no process-wide default)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.messages = Counter(
            "dlp_gateway_messages",
            "Messages by the reply they got: accepted, tempfail, rejected, busy, refused",
            ["outcome"],
            registry=self.registry,
        )
        self.recipients = Counter(
            "dlp_gateway_recipients",
            "Recipients by verdict: deliver, encrypt, quarantine, reject",
            ["verdict"],
            registry=self.registry,
        )
        self.scan_seconds = Histogram(
            "dlp_gateway_scan_seconds",
            "Time to scan one message in a worker process, waiting included",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.message_seconds = Histogram(
            "dlp_gateway_message_seconds",
            "Time from end of DATA to the reply: scan, decision, delivery or hold",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "dlp_gateway_in_flight", "Messages being processed now", registry=self.registry
        )
        self.next_hop_errors = Counter(
            "dlp_gateway_next_hop_errors",
            "Deliveries that failed: temporary, permanent, tls",
            ["kind"],
            registry=self.registry,
        )
        self.scan_failures = Counter(
            "dlp_gateway_scan_failures",
            "Scans without a result: timeout, crash, error, saturated",
            ["kind"],
            registry=self.registry,
        )
        self.policy_reloads = Counter(
            "dlp_gateway_policy_reloads",
            "Policy reloads: ok, refused (the old policy was kept)",
            ["result"],
            registry=self.registry,
        )
        self.roster_reloads = Counter(
            "dlp_gateway_roster_reloads",
            "Roster reloads: ok, refused (the old roster was kept)",
            ["result"],
            registry=self.registry,
        )
        self.roster_age_seconds = Gauge(
            "dlp_gateway_roster_age_seconds",
            "Seconds since the roster in use was imported (0 without a roster)",
            registry=self.registry,
        )
        self.roster_stale = Gauge(
            "dlp_gateway_roster_stale",
            "1 when the roster in use is older than [detection] roster_max_age_days",
            registry=self.registry,
        )

        self.notices = Counter(
            "dlp_gateway_notices",
            "Attempts at the gateway's own mail (notices, failure reports): sent, retry, refused",
            ["result"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "dlp_gateway_outbox_depth",
            "Notices and failure reports waiting in the outbound queue",
            registry=self.registry,
        )
        self.outbox_oldest_seconds = Gauge(
            "dlp_gateway_outbox_oldest_seconds",
            "Age of the oldest entry waiting in the outbound queue (0 when it is empty)",
            registry=self.registry,
        )
        self.alerts = Counter(
            "dlp_gateway_alerts",
            "Alerts raised about messages, by kind and severity (immediate, digest)",
            ["kind", "severity"],
            registry=self.registry,
        )
        self.alert_sends = Counter(
            "dlp_gateway_alert_sends",
            "Alert deliveries: posted (webhook), retry (webhook put off), digests",
            ["result"],
            registry=self.registry,
        )
        self.alert_queue = Gauge(
            "dlp_gateway_alert_queue",
            "Alerts waiting: webhook posts and digest entries",
            ["channel"],
            registry=self.registry,
        )
        # Bounded labels: verdicts and recipient kinds are enums, rules and categories those the
        # policy and the recognizers declare (anything else is "other"; see `decision_metrics`).
        self.decisions = Counter(
            "dlp_gateway_decisions",
            "Recipients by verdict and kind (internal, authorized, external)",
            ["verdict", "kind"],
            registry=self.registry,
        )
        self.rule_hits = Counter(
            "dlp_gateway_rule_hits",
            "Rules fired, per recipient, by rule, the recipient's verdict and kind",
            ["rule", "verdict", "kind"],
            registry=self.registry,
        )
        self.category_messages = Counter(
            "dlp_gateway_category_messages",
            "Messages with findings of a category, by category and the strictest verdict",
            ["category", "verdict"],
            registry=self.registry,
        )
        self.quarantine_held = Gauge(
            "dlp_gateway_quarantine_held",
            "Messages held in the quarantine waiting for review",
            registry=self.registry,
        )
        self.quarantine_held_bytes = Gauge(
            "dlp_gateway_quarantine_held_bytes",
            "Bytes of the messages held waiting for review",
            registry=self.registry,
        )
        self.quarantine_oldest_seconds = Gauge(
            "dlp_gateway_quarantine_oldest_seconds",
            "Age of the oldest message waiting for review (0 when none waits)",
            registry=self.registry,
        )
        self.siem_events = Counter(
            "dlp_gateway_siem_events",
            "Decision events for the SIEM: queued, dropped (its queue full)",
            ["result"],
            registry=self.registry,
        )
        self.siem_queue = Gauge(
            "dlp_gateway_siem_queue",
            "Decision events waiting to be sent to the SIEM",
            registry=self.registry,
        )
        self.upkeep_runs = Counter(
            "dlp_gateway_upkeep_runs",
            "Scheduled upkeep runs by job and result: ok, failed, busy (another gateway has it)",
            ["job", "result"],
            registry=self.registry,
        )
        self.upkeep_last_success = Gauge(
            "dlp_gateway_upkeep_last_success_time",
            "When each upkeep job last ran well here (seconds since the epoch)",
            ["job"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
