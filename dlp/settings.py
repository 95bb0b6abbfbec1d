"""The application's configuration: one validated, immutable object read from one TOML file.

Every key has a default that works on a fresh machine (the sample policy, an SQLite quarantine,
files under ``./var/``, delivery to ``./var/delivered/``), so ``load_settings(None)`` is a
complete configuration. Relative paths in a file are relative to that file's folder; the
embedded defaults are relative to the working directory. Errors read ``FILE:LINE: KEY: what``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dlp.alerts.settings import AlertSettings, read_alerts
from dlp.delivery import DeliveryTarget, LocalFolder, MxDelivery, NextHop, TlsMode
from dlp.detect.categories import (
    CategoryInfo,
    keyword_categories,
    load_categories,
    recognizer_folders,
)
from dlp.siem.settings import SiemSettings, read_siem
from dlp.tomlreader import ConfigError, Reader, Table
from dlp.upkeep.settings import UpkeepSettings, read_upkeep

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig

MiB = 1024 * 1024
T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ConfigError):
    """``str()`` reads ``FILE:LINE: KEY: what is wrong``, one line per error found."""


# What the gateway does when a scan fails, and when it refuses recipients: the words the file
# takes. They are the values of the gateway's own enums (`smtp_gateway.options.ScanFailure`,
# `RejectStyle`), which `dlp` does not import.
SCAN_FAILURE_CHOICES = ("tempfail", "policy")
REJECT_STYLE_CHOICES = ("smtp", "notice")


class DeliveryMode(StrEnum):
    NEXT_HOP = "next_hop"
    MX = "mx"
    FOLDER = "folder"


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    secret_file: Path = Path("var/secret.key")
    recognizers: Path | None = None  # None: the shipped recognizers
    overlay: Path | None = None  # the district's additions over them (recognizers/README.md)
    threshold: float = 0.4
    person_model: str | None = None
    roster: Path | None = None  # a roster store made by `dlp roster import`
    # Terms the district adds to the shipped dictionaries: ((category, ((term, weight), ...)), ...)
    keywords: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    # The gateway warns (log, metric) when the roster was imported longer ago; 0: never.
    roster_max_age_days: int = 14
    # How often the gateway looks whether the roster file was replaced (one stat).
    roster_check_seconds: float = 10.0

    def categories(self) -> dict[str, CategoryInfo]:
        """The categories the recognizer folders declare: the names a policy may use."""
        return load_categories(recognizer_folders(self.recognizers, self.overlay))

    def config(self, secret: bytes) -> DetectionConfig:
        """The scanner's configuration these settings describe, keyed by ``secret``."""
        from dlp.engine import DetectionConfig  # Presidio loads with it: only where it scans

        return DetectionConfig(
            secret=secret,
            recognizers_dir=self.recognizers,
            recognizers_overlay=self.overlay,
            score_threshold=self.threshold,
            extra_keywords={category: list(terms) for category, terms in self.keywords},
            person_model=self.person_model,
            roster_path=self.roster,
        )


@dataclass(frozen=True, slots=True)
class QuarantineSettings:
    url: str = "sqlite:///var/quarantine.db"
    key_file: Path = Path("var/quarantine.key")
    folder: Path = Path("var/held")  # used only by the fallback holder (no quarantine store)
    # Days a held message's bytes are kept before `dlp quarantine purge` destroys them (a legal
    # hold stops that); the regulation's mail retention is 90 days at least, a year the archive.
    retention_days: int = 365
    # Days a decision's metadata row (the dashboard's) is kept (`dlp.quarantine.decisions`).
    decision_retention_days: int = 400
    # Days the per-student disclosure record (34 CFR 99.32) is kept: as long as the district
    # keeps the education records, whatever the quarantine's own retention.
    disclosure_retention_days: int = 3650


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """Inbound STARTTLS: offered when a certificate and key are given."""

    cert_file: Path | None = None
    key_file: Path | None = None
    required: bool = False  # refuse MAIL before STARTTLS

    @property
    def enabled(self) -> bool:
        return self.cert_file is not None


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Inbound AUTH (PLAIN, LOGIN), offered only over TLS; users may relay from anywhere."""

    users_file: Path | None = None  # lines "name:scrypt$..." (see smtp_gateway.auth)
    required: bool = False

    @property
    def enabled(self) -> bool:
        return self.users_file is not None


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """Which cloud tenant may relay (`smtp_gateway.tenant`): Google's and Exchange Online's
    netblocks are shared by every customer, so an address in them identifies no one."""

    microsoft_tenant_ids: tuple[str, ...] = ()  # the topmost X-MS-Exchange-CrossTenant-Id
    sender_domains: tuple[str, ...] = ()  # envelope sender and From; () the policy's district
    dkim_domains: tuple[str, ...] = ()  # a valid DKIM signature by one of these is required
    dns_servers: tuple[str, ...] = ()  # "HOST:PORT" for DKIM keys; () the system's resolvers

    @property
    def enabled(self) -> bool:
        return bool(self.microsoft_tenant_ids or self.sender_domains or self.dkim_domains)


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    listen: Address = Address("127.0.0.1", 10025)
    hostname: str | None = None  # the name in the greeting; default: this machine's
    client_networks: tuple[Network, ...] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    max_message_bytes: int = 35 * MiB
    max_recipients: int = 100
    max_line_length: int = 998  # octets without CRLF and without a transparency dot
    idle_timeout: float = 300.0
    # Seconds for one message's scan and decision, from its hand-off to a scanning process
    # until its answer is back; past it the process is stopped (see on_scan_failure).
    scan_timeout: float = 30.0
    # Findings kept of each entity type in one message (at least 1: one of each type is always
    # kept); counts past it are lower bounds ("at least") in decisions and records.
    max_findings_per_type: int = 1000
    workers: int = 0  # scanning processes; 0: one per core
    max_pending: int = 0  # scans waiting for a worker before 4xx; 0: eight per worker
    on_scan_failure: str = "tempfail"  # one of SCAN_FAILURE_CHOICES
    on_reject: str = "smtp"  # one of REJECT_STYLE_CHOICES
    notify_sender: bool = True
    notice_from: str | None = None  # default: postmaster@ the policy's first district domain
    metrics_listen: Address | None = Address("127.0.0.1", 9425)
    drain_seconds: float = 60.0
    # The outbound queue of notices (`dlp.actions.outbox`): first retry, longest wait between
    # retries, and the age of the oldest waiting notice past which an error is logged.
    notice_retry_seconds: float = 60.0
    notice_retry_max_seconds: float = 3600.0
    notice_alert_seconds: float = 4 * 3600.0
    tls: TlsSettings = field(default_factory=TlsSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    tenant: TenantSettings = field(default_factory=TenantSettings)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    mode: DeliveryMode = DeliveryMode.FOLDER
    next_hop: Address | None = None
    tls: TlsMode = TlsMode.OPPORTUNISTIC
    ca_file: Path | None = None
    tls_name: str | None = None
    timeout: float = 60.0
    helo: str | None = None
    folder: Path = Path("var/delivered")
    threads: int = 32  # deliveries at once
    # Relaying back through the cloud: a client certificate (Exchange Online's inbound
    # connector) and SMTP AUTH over verified TLS (smtp-relay.gmail.com), for next_hop only.
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    auth_user: str | None = None
    auth_password_file: Path | None = None

    def target(self) -> DeliveryTarget:
        if self.mode is DeliveryMode.NEXT_HOP and self.next_hop is not None:
            return NextHop(
                self.next_hop.host,
                self.next_hop.port,
                tls=self.tls,
                ca_file=self.ca_file,
                tls_name=self.tls_name,
                timeout=self.timeout,
                helo=self.helo,
                client_cert=(self.client_cert_file, self.client_key_file or self.client_cert_file)
                if self.client_cert_file
                else None,
                login=(self.auth_user, self.auth_password_file)
                if self.auth_user and self.auth_password_file
                else None,
            )
        if self.mode is DeliveryMode.MX:
            return MxDelivery(
                tls=self.tls, ca_file=self.ca_file, timeout=self.timeout, helo=self.helo
            )
        return LocalFolder(self.folder)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """`dlp web`. X-Forwarded-For and X-Forwarded-Proto are believed only from a connection
    out of ``trusted_proxies``; by default from none, so the address the login limit and the
    audit log use is the connection's own, never one a client wrote in a header."""

    trusted_proxies: tuple[Network, ...] = ()
    # The address people reach `dlp web` (and the pickup portal) at, for links in alerts,
    # notices and the portal's mail: "https://dlp.district.org". None: no links.
    public_url: str | None = None
    # Senders' own releases of messages held by overridable rules (docs/override.md): how many
    # per sender per day (0: none at all), and how long a notice's link works.
    override_per_day: int = 3
    override_link_hours: int = 72


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """`dlp portal`, the secure pickup portal (`dlp.portal`, docs/portal.md): its own listener,
    apart from staff triage; its links use ``[web] public_url`` (or ``public_url`` here)."""

    listen: Address = Address("127.0.0.1", 8026)
    public_url: str | None = None  # None: [web] public_url
    link_days: int = 14  # a pickup link works this long; a new one can be asked for after
    code_minutes: int = 10  # a one-time code works this long
    code_tries: int = 5  # wrong codes before the link is locked
    lockout_minutes: int = 30
    codes_per_hour: int = 5  # codes sent for one link in an hour
    # Days a message for pickup is kept (never below the quarantine's 90-day minimum).
    retention_days: int = 90
    from_address: str | None = None  # default: secure-messages@ the district's first domain
    phrase: str = ""  # the district's anti-phishing phrase, shown in every notice
    notice_template: Path | None = None  # Jinja2 file: the English notice; None: the shipped
    notice_template_es: Path | None = None  # the Spanish one


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    level: str = "info"
    file: Path | None = None  # None: standard error
    # Where the audit chain's signed checkpoints also go: "/dev/log" or "host:port" (UDP).
    syslog: str | None = None


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The audit chain's keys and checkpoints (`dlp.audit`); the keys default to files beside
    the digest secret, apart from the log."""

    key_file: Path = Path("var/audit.key")
    signing_key_file: Path = Path("var/audit-signing.key")
    host: str | None = None  # names this host's chain in the checkpoints; None: the hostname
    checkpoint_every: int = 100  # entries; also at each rotation and when the gateway stops
    rotate_bytes: int = 0  # rotate the log past this size; 0: never (logrotate may)


@dataclass(frozen=True, slots=True)
class Settings:
    source: str = "<embedded defaults>"
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    policy_file: Path = Path("samples/policy.toml")
    quarantine: QuarantineSettings = field(default_factory=QuarantineSettings)
    audit_file: Path | None = Path("var/audit.log")
    # Also record messages with nothing found and every copy delivered (the JSON log has them).
    audit_clean_messages: bool = False
    audit: AuditSettings = field(default_factory=AuditSettings)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    web: WebSettings = field(default_factory=WebSettings)
    portal: PortalSettings = field(default_factory=PortalSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    siem: SiemSettings = field(default_factory=SiemSettings)
    upkeep: UpkeepSettings = field(default_factory=UpkeepSettings)


# --- reading --------------------------------------------------------------------------------

_LEVELS = ("debug", "info", "warning", "error")


def _address(table: Table, key: str, default: Address | None, optional: bool = False) -> Any:
    value = table.string(key, default)
    if not isinstance(value, str):
        return value
    if value == "" and optional:
        return None
    host, separator, port = value.rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise table.error(key, f"must be HOST:PORT (like 127.0.0.1:10025), not {value!r}")
    return Address(host, int(port))


def _networks(table: Table, key: str, default: tuple[Network, ...]) -> tuple[Network, ...]:
    value = table.get(key, (list,), "a list of networks", None)
    if value is None:
        return default
    networks = []
    for item in value:
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise table.error(key, f"{item!r} is not a network like 10.0.0.0/8") from None
    return tuple(networks)


def _detection(table: Table) -> DetectionSettings:
    default = DetectionSettings()
    folders = table.path_value("recognizers", None), table.path_value("overlay", None)
    settings = DetectionSettings(
        secret_file=table.required_path("secret_file", default.secret_file),
        recognizers=folders[0],
        overlay=folders[1],
        threshold=table.number("threshold", default.threshold, exclusive_minimum=0.0, maximum=1.0),
        person_model=table.optional_string("person_model", None),
        roster=table.path_value("roster", default.roster),
        keywords=_keywords(table.table("keywords"), keyword_categories(*folders)),
        roster_max_age_days=table.integer(
            "roster_max_age_days", default.roster_max_age_days, minimum=0, maximum=3650
        ),
        roster_check_seconds=table.number(
            "roster_check_seconds", default.roster_check_seconds, minimum=0.1, maximum=3600
        ),
    )
    table.done()
    return settings


def _keywords(
    table: Table, known: tuple[str, ...]
) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    """``CATEGORY = ["term", {term = "other term", weight = 1.5}, ...]`` per category of
    ``known`` (those with a dictionary)."""
    if not table.data:
        return ()
    # Imported only where a file adds terms: the text index loads Hyperscan and Aho-Corasick,
    # which a command that only reads its settings never needs.
    from dlp.detect.text_index import term_problem

    added = []
    for category in table.data:
        if category.upper() not in known:
            raise table.error(category, f"not a keyword category (one of {', '.join(known)})")
        items = table.get(category, (list,), "a list of terms", [])
        terms = []
        for item in items:
            if isinstance(item, str):
                text, weight = item, 1.0
            elif (
                isinstance(item, dict)
                and isinstance(item.get("term"), str)
                and set(item) <= {"term", "weight"}
            ):
                text, weight = item["term"], item.get("weight", 1.0)
                if (
                    isinstance(weight, bool)
                    or not isinstance(weight, int | float)
                    or not (0 < weight <= 10)
                ):
                    raise table.error(category, f"{text!r}: weight must be a number in (0, 10]")
            else:
                raise table.error(category, 'each term is "text" or {term = "text", weight = 1.5}')
            problem = term_problem(text)
            if problem:
                raise table.error(category, f"{text!r}: {problem}")
            terms.append((text, float(weight)))
        added.append((category.upper(), tuple(terms)))
    return tuple(added)


def _quarantine(table: Table) -> QuarantineSettings:
    default = QuarantineSettings()
    url = table.string("url", default.url)
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise table.error("url", "must start with sqlite:/// or postgresql://")
    if "url" in table.data and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # A relative SQLite path follows the same rule as every other path here.
        url = "sqlite:///" + str(table.reader.base / url.removeprefix("sqlite:///"))
    settings = QuarantineSettings(
        url=url,
        key_file=table.required_path("key_file", default.key_file),
        folder=table.required_path("folder", default.folder),
        retention_days=table.integer("retention_days", default.retention_days, minimum=0),
        decision_retention_days=table.integer(
            "decision_retention_days", default.decision_retention_days, minimum=1, maximum=3650
        ),
        disclosure_retention_days=table.integer(
            "disclosure_retention_days",
            default.disclosure_retention_days,
            minimum=365,
            maximum=36500,
        ),
    )
    if settings.retention_days < 90:  # the same floor as dlp.quarantine.store's
        raise table.error(
            "retention_days", "must be at least 90 (the regulation keeps mail 90 days at least)"
        )
    table.done()
    return settings


def _tls(table: Table) -> TlsSettings:
    settings = TlsSettings(
        cert_file=table.path_value("cert_file", None),
        key_file=table.path_value("key_file", None),
        required=table.boolean("required", False),
    )
    if (settings.cert_file is None) != (settings.key_file is None):
        raise table.error(None, "cert_file and key_file go together")
    if settings.required and not settings.enabled:
        raise table.error("required", "requiring STARTTLS needs cert_file and key_file")
    table.done()
    return settings


def _auth(table: Table, tls: TlsSettings) -> AuthSettings:
    settings = AuthSettings(
        users_file=table.path_value("users_file", None),
        required=table.boolean("required", False),
    )
    if settings.required and not settings.enabled:
        raise table.error("required", "requiring AUTH needs users_file")
    if settings.enabled and not tls.enabled:
        raise table.error("users_file", "AUTH is offered only over TLS: configure [gateway.tls]")
    table.done()
    return settings


def _gateway(table: Table) -> GatewaySettings:
    default = GatewaySettings()

    def seconds(key: str) -> Any:
        """A duration: more than 0 seconds."""
        return table.number(key, getattr(default, key), exclusive_minimum=0.0)

    listen = _address(table, "listen", default.listen)
    assert listen is not None
    tls = table.reader.attempt(TlsSettings(), _tls, table.table("tls"))
    settings = GatewaySettings(
        listen=listen,
        hostname=table.optional_string("hostname", None),
        client_networks=_networks(table, "client_networks", default.client_networks),
        max_message_bytes=table.integer(
            "max_message_bytes", default.max_message_bytes, minimum=1024
        ),
        max_recipients=table.integer("max_recipients", default.max_recipients, minimum=1),
        max_line_length=table.integer("max_line_length", default.max_line_length, minimum=78),
        idle_timeout=seconds("idle_timeout"),
        scan_timeout=seconds("scan_timeout"),
        max_findings_per_type=table.integer(
            "max_findings_per_type", default.max_findings_per_type, minimum=1
        ),
        workers=table.integer("workers", default.workers, minimum=0),
        max_pending=table.integer("max_pending", default.max_pending, minimum=0),
        on_scan_failure=table.one_of(
            "on_scan_failure", SCAN_FAILURE_CHOICES, default.on_scan_failure
        ),
        on_reject=table.one_of("on_reject", REJECT_STYLE_CHOICES, default.on_reject),
        notify_sender=table.boolean("notify_sender", default.notify_sender),
        notice_from=table.optional_string("notice_from", None),
        metrics_listen=_address(table, "metrics_listen", default.metrics_listen, optional=True),
        drain_seconds=seconds("drain_seconds"),
        notice_retry_seconds=seconds("notice_retry_seconds"),
        notice_retry_max_seconds=seconds("notice_retry_max_seconds"),
        notice_alert_seconds=seconds("notice_alert_seconds"),
        tls=tls,
        auth=table.reader.attempt(AuthSettings(), _auth, table.table("auth"), tls),
        tenant=table.reader.attempt(TenantSettings(), _tenant, table.table("tenant")),
    )
    table.done()
    return settings


def _tenant(table: Table) -> TenantSettings:
    names = {}
    for key in ("microsoft_tenant_ids", "sender_domains", "dkim_domains", "dns_servers"):
        names[key] = tuple(table.get(key, (list,), "a list of strings", []))
        if not all(isinstance(item, str) and item for item in names[key]):
            raise table.error(key, "must be a list of non-empty strings")
    table.done()
    return TenantSettings(**names)


def _delivery(table: Table) -> DeliverySettings:
    default = DeliverySettings()
    next_hop = _address(table, "next_hop", None, optional=True)
    mode = table.choice(
        "mode", DeliveryMode, DeliveryMode.NEXT_HOP if next_hop else DeliveryMode.FOLDER
    )
    if mode is DeliveryMode.NEXT_HOP and next_hop is None:
        raise table.error("mode", 'mode "next_hop" needs next_hop = "HOST:PORT"')
    settings = DeliverySettings(
        mode=mode,
        next_hop=next_hop,
        tls=table.choice("tls", TlsMode, default.tls),
        ca_file=table.path_value("ca_file", None),
        tls_name=table.optional_string("tls_name", None),
        timeout=table.number("timeout", default.timeout, exclusive_minimum=0.0),
        helo=table.optional_string("helo", None),
        folder=table.required_path("folder", default.folder),
        threads=table.integer("threads", default.threads, minimum=1),
        client_cert_file=table.path_value("client_cert_file", None),
        client_key_file=table.path_value("client_key_file", None),
        auth_user=table.optional_string("auth_user", None),
        auth_password_file=table.path_value("auth_password_file", None),
    )
    if settings.auth_user and (settings.auth_password_file is None or settings.tls != "verify"):
        raise table.error("auth_user", 'needs auth_password_file and tls = "verify"')
    table.done()
    return settings


def _public_url(table: Table, key: str) -> str | None:
    """An https:// base URL (http:// only for a loopback host, for tests), without a slash at
    the end; "" is none."""
    value = table.optional_string(key, None)
    if not value:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        not parts.hostname
        or parts.query
        or parts.fragment
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        raise table.error(
            key, f"must be an https:// address like https://dlp.district.org, not {value!r}"
        )
    return value.rstrip("/")


def _web(table: Table) -> WebSettings:
    settings = WebSettings(
        trusted_proxies=_networks(table, "trusted_proxies", ()),
        public_url=_public_url(table, "public_url"),
        override_per_day=table.integer("override_per_day", 3, minimum=0, maximum=100),
        override_link_hours=table.integer("override_link_hours", 72, minimum=1, maximum=336),
    )
    table.done()
    return settings


def _portal(table: Table) -> PortalSettings:
    default = PortalSettings()
    listen = _address(table, "listen", default.listen)
    settings = PortalSettings(
        listen=listen,
        public_url=_public_url(table, "public_url"),
        link_days=table.integer("link_days", default.link_days, minimum=1, maximum=365),
        code_minutes=table.integer("code_minutes", default.code_minutes, minimum=1, maximum=60),
        code_tries=table.integer("code_tries", default.code_tries, minimum=1, maximum=20),
        lockout_minutes=table.integer(
            "lockout_minutes", default.lockout_minutes, minimum=1, maximum=1440
        ),
        codes_per_hour=table.integer(
            "codes_per_hour", default.codes_per_hour, minimum=1, maximum=60
        ),
        retention_days=table.integer("retention_days", default.retention_days, minimum=90),
        from_address=table.optional_string("from_address", None),
        phrase=table.string("phrase", ""),
        notice_template=table.path_value("notice_template", None),
        notice_template_es=table.path_value("notice_template_es", None),
    )
    if len(settings.phrase) > 200:
        raise table.error("phrase", "at most 200 characters")
    table.done()
    return settings


def _logging(table: Table) -> LoggingSettings:
    level = table.string("level", "info").lower()
    if level not in _LEVELS:
        raise table.error("level", f"must be one of {', '.join(_LEVELS)}")
    settings = LoggingSettings(
        level=level,
        file=table.path_value("file", None),
        syslog=table.optional_string("syslog", None),
    )
    table.done()
    return settings


def _policy_file(table: Table) -> Path:
    policy_file = table.required_path("file", Settings().policy_file)
    table.done()
    return policy_file


def _audit(table: Table, keys: Path) -> tuple[Path | None, bool, AuditSettings]:
    """``[audit]``: the log, whether clean messages go on it, and the chain's keys (``keys``
    is their default folder: beside the digest secret, apart from the log, which may be
    shipped)."""
    audit_file = table.path_value("file", Settings().audit_file)
    audit_clean = table.boolean("clean_messages", False)
    chain = AuditSettings(
        key_file=table.required_path("key_file", keys / "audit.key"),
        signing_key_file=table.required_path("signing_key_file", keys / "audit-signing.key"),
        host=table.optional_string("host", None),
        checkpoint_every=table.integer(
            "checkpoint_every", AuditSettings().checkpoint_every, minimum=1
        ),
        rotate_bytes=table.integer("rotate_bytes", 0, minimum=0),
    )
    table.done()
    return audit_file, audit_clean, chain


def parse_settings(text: str, source: str = "<settings>", base: Path | None = None) -> Settings:
    """Settings from TOML ``text``; relative paths are taken from ``base``.

    Reading goes on past an error (a section with one is read as its defaults), so that the
    `SettingsError` raised lists every one found."""
    reader = Reader(source, text, SettingsError, base)
    root = reader.parse()
    attempt = reader.attempt
    defaults = Settings()
    policy_file = attempt(defaults.policy_file, _policy_file, root.table("policy"))
    detection = attempt(defaults.detection, _detection, root.table("detection"))
    audit_file, audit_clean, chain = attempt(
        (defaults.audit_file, defaults.audit_clean_messages, defaults.audit),
        _audit,
        root.table("audit"),
        detection.secret_file.parent,
    )
    settings = Settings(
        source=source,
        detection=detection,
        policy_file=policy_file,
        quarantine=attempt(defaults.quarantine, _quarantine, root.table("quarantine")),
        audit_file=audit_file,
        audit_clean_messages=audit_clean,
        audit=chain,
        gateway=attempt(defaults.gateway, _gateway, root.table("gateway")),
        delivery=attempt(defaults.delivery, _delivery, root.table("delivery")),
        web=attempt(defaults.web, _web, root.table("web")),
        portal=attempt(defaults.portal, _portal, root.table("portal")),
        logging=attempt(defaults.logging, _logging, root.table("logging")),
        alerts=attempt(defaults.alerts, read_alerts, root.table("alerts")),
        siem=attempt(defaults.siem, read_siem, root.table("siem")),
        upkeep=attempt(defaults.upkeep, read_upkeep, root.table("upkeep")),
    )
    root.done()
    reader.check()
    return settings


def load_settings(path: str | Path | None) -> Settings:
    """The settings in ``path``, or the embedded defaults when ``path`` is None."""
    if path is None:
        return Settings()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(str(file), 1, "", f"cannot read: {error}") from None
    return parse_settings(text, str(file), file.parent)
