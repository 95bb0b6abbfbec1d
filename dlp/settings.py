"""The application's configuration: one validated, immutable object read from one TOML file.

Every key has a default that works on a fresh machine (the sample policy, an SQLite quarantine,
files under ``./var/``, delivery to ``./var/delivered/``), so ``load_settings(None)`` is a
complete configuration. Relative paths in a file are relative to that file's folder; the
embedded defaults are relative to the working directory. Errors read ``FILE:LINE: KEY: what``.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dlp.delivery import DeliveryTarget, LocalFolder, MxDelivery, NextHop, TlsMode
from dlp.detect.text_index import term_problem
from dlp.policy.lines import KeyPath, dotted, key_lines, line_of

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig

MiB = 1024 * 1024
T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """``str()`` reads ``FILE:LINE: KEY: what is wrong``."""

    def __init__(self, source: str, line: int, key: str, message: str) -> None:
        super().__init__(message)
        self.source, self.line, self.key, self.message = source, line, key, message

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScanFailure(StrEnum):
    """What a message whose scan crashed or ran out of time gets."""

    TEMPFAIL = "tempfail"  # 4xx: the sending MTA keeps it and tries again (fail closed)
    POLICY = "policy"  # decided as unreadable content: the policy's [unscannable] section says


class RejectStyle(StrEnum):
    SMTP = "smtp"  # 550 5.7.1 when every recipient is refused; a notice when only some are
    NOTICE = "notice"  # always accept, and tell the sender in a notice


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
    threshold: float = 0.4
    person_model: str | None = None
    roster: Path | None = None  # a roster store made by `dlp roster import`
    # Terms the district adds to the shipped dictionaries: ((category, ((term, weight), ...)), ...)
    keywords: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()

    def config(self, secret: bytes) -> DetectionConfig:
        """The scanner's configuration these settings describe, keyed by ``secret``."""
        from dlp.engine import DetectionConfig  # Presidio loads with it: only where it scans

        return DetectionConfig(
            secret=secret,
            recognizers_dir=self.recognizers,
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
    scan_timeout: float = 30.0
    workers: int = 0  # scanning processes; 0: one per core
    max_pending: int = 0  # scans waiting for a worker before 4xx; 0: eight per worker
    on_scan_failure: ScanFailure = ScanFailure.TEMPFAIL
    on_reject: RejectStyle = RejectStyle.SMTP
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
    logging: LoggingSettings = field(default_factory=LoggingSettings)


# --- reading --------------------------------------------------------------------------------

_MISSING: Any = object()
_LEVELS = ("debug", "info", "warning", "error")


class _Table:
    """One TOML table: typed getters that remember what was read, so unknown keys are errors."""

    def __init__(
        self, source: str, lines: dict[KeyPath, int], base: Path, path: KeyPath, data: object
    ) -> None:
        self.source, self.lines, self.base, self.path = source, lines, base, path
        if not isinstance(data, dict):
            raise self.error(None, "must be a table")
        self.data: dict[str, Any] = data
        self.read: set[str] = set()

    def error(self, key: str | None, message: str) -> SettingsError:
        path = (*self.path, key) if key else self.path
        return SettingsError(self.source, line_of(self.lines, path), dotted(path), message)

    def table(self, key: str) -> _Table:
        self.read.add(key)
        return _Table(self.source, self.lines, self.base, (*self.path, key), self.data.get(key, {}))

    def _get(self, key: str, kinds: tuple[type, ...], what: str, default: Any) -> Any:
        self.read.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"must be {what}, not {type(value).__name__}")
        return value

    def string(self, key: str, default: Any) -> Any:
        return self._get(key, (str,), "a string", default)

    def optional_string(self, key: str, default: str | None) -> str | None:
        value = self.string(key, default)
        return value or None

    def boolean(self, key: str, default: bool) -> bool:
        value: bool = self._get(key, (bool,), "true or false", default)
        return value

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value: int = self._get(key, (int,), "a whole number", default)
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}")
        return value

    def number(
        self, key: str, default: float, low: float = 0.0, high: float | None = None
    ) -> float:
        value = self._get(key, (int, float), "a number", default)
        if value <= low or (high is not None and value > high):
            bound = f"more than {low}" + (f" and at most {high}" if high is not None else "")
            raise self.error(key, f"must be {bound}")
        return float(value)

    def path_value(self, key: str, default: Path | None) -> Path | None:
        value = self.string(key, default)
        if value is None or value == "":
            return None
        if isinstance(value, Path):
            return value
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    def required_path(self, key: str, default: Path) -> Path:
        value = self.path_value(key, default)
        if value is None:
            raise self.error(key, "must name a file or folder")
        return value

    def choice(self, key: str, kind: Callable[[str], T], default: T) -> T:
        value = self.string(key, default)
        if not isinstance(value, str):
            return value
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(f'"{item}"' for item in getattr(kind, "__members__", {}).values())
            raise self.error(key, f"must be one of {allowed}, not {value!r}") from None

    def address(self, key: str, default: Address | None, optional: bool = False) -> Address | None:
        value = self.string(key, default)
        if not isinstance(value, str):
            return value
        if value == "" and optional:
            return None
        host, separator, port = value.rpartition(":")
        host = host.strip("[]")
        if not separator or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise self.error(key, f"must be HOST:PORT (like 127.0.0.1:10025), not {value!r}")
        return Address(host, int(port))

    def networks(self, key: str, default: tuple[Network, ...]) -> tuple[Network, ...]:
        value = self._get(key, (list,), "a list of networks", _MISSING)
        if value is _MISSING:
            return default
        networks = []
        for item in value:
            try:
                networks.append(ipaddress.ip_network(str(item), strict=False))
            except ValueError:
                raise self.error(key, f"{item!r} is not a network like 10.0.0.0/8") from None
        return tuple(networks)

    def done(self) -> None:
        for key in self.data:
            if key not in self.read:
                raise self.error(key, "unknown key (misspelled?)")


def _detection(table: _Table) -> DetectionSettings:
    default = DetectionSettings()
    settings = DetectionSettings(
        secret_file=table.required_path("secret_file", default.secret_file),
        recognizers=table.path_value("recognizers", default.recognizers),
        threshold=table.number("threshold", default.threshold, 0.0, 1.0),
        person_model=table.optional_string("person_model", None),
        roster=table.path_value("roster", default.roster),
        keywords=_keywords(table.table("keywords")),
    )
    table.done()
    return settings


# Categories a district can add terms to: the shipped dictionaries' (recognizers/keywords/).
KEYWORD_CATEGORIES = (
    "SPECIAL_EDUCATION", "GRADES", "DISCIPLINE", "HEALTH", "PERSONNEL", "DEMOGRAPHIC",
)


def _keywords(table: _Table) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    """``CATEGORY = ["term", {term = "other term", weight = 1.5}, ...]`` per category."""
    added = []
    for category in table.data:
        if category.upper() not in KEYWORD_CATEGORIES:
            raise table.error(
                category, f"not a keyword category (one of {', '.join(KEYWORD_CATEGORIES)})"
            )
        items = table._get(category, (list,), "a list of terms", [])
        terms = []
        for item in items:
            if isinstance(item, str):
                text, weight = item, 1.0
            elif isinstance(item, dict) and isinstance(item.get("term"), str) and set(item) <= {
                "term", "weight"
            }:
                text, weight = item["term"], item.get("weight", 1.0)
                if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
                    0 < weight <= 10
                ):
                    raise table.error(category, f"{text!r}: weight must be a number in (0, 10]")
            else:
                raise table.error(
                    category, 'each term is "text" or {term = "text", weight = 1.5}'
                )
            problem = term_problem(text)
            if problem:
                raise table.error(category, f"{text!r}: {problem}")
            terms.append((text, float(weight)))
        added.append((category.upper(), tuple(terms)))
    return tuple(added)


def _quarantine(table: _Table) -> QuarantineSettings:
    default = QuarantineSettings()
    url = table.string("url", default.url)
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise table.error("url", "must start with sqlite:/// or postgresql://")
    if "url" in table.data and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # A relative SQLite path follows the same rule as every other path here.
        url = "sqlite:///" + str(table.base / url.removeprefix("sqlite:///"))
    settings = QuarantineSettings(
        url=url,
        key_file=table.required_path("key_file", default.key_file),
        folder=table.required_path("folder", default.folder),
        retention_days=table.integer("retention_days", default.retention_days),
    )
    if settings.retention_days < 90:  # the same floor as dlp.quarantine.store's
        raise table.error(
            "retention_days", "must be at least 90 (the regulation keeps mail 90 days at least)"
        )
    table.done()
    return settings


def _tls(table: _Table) -> TlsSettings:
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


def _auth(table: _Table, tls: TlsSettings) -> AuthSettings:
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


def _gateway(table: _Table) -> GatewaySettings:
    default = GatewaySettings()
    listen = table.address("listen", default.listen)
    assert listen is not None
    tls = _tls(table.table("tls"))
    settings = GatewaySettings(
        listen=listen,
        hostname=table.optional_string("hostname", None),
        client_networks=table.networks("client_networks", default.client_networks),
        max_message_bytes=table.integer("max_message_bytes", default.max_message_bytes, 1024),
        max_recipients=table.integer("max_recipients", default.max_recipients, 1),
        max_line_length=table.integer("max_line_length", default.max_line_length, 78),
        idle_timeout=table.number("idle_timeout", default.idle_timeout),
        scan_timeout=table.number("scan_timeout", default.scan_timeout),
        workers=table.integer("workers", default.workers),
        max_pending=table.integer("max_pending", default.max_pending),
        on_scan_failure=table.choice("on_scan_failure", ScanFailure, default.on_scan_failure),
        on_reject=table.choice("on_reject", RejectStyle, default.on_reject),
        notify_sender=table.boolean("notify_sender", default.notify_sender),
        notice_from=table.optional_string("notice_from", None),
        metrics_listen=table.address("metrics_listen", default.metrics_listen, optional=True),
        drain_seconds=table.number("drain_seconds", default.drain_seconds),
        notice_retry_seconds=table.number("notice_retry_seconds", default.notice_retry_seconds),
        notice_retry_max_seconds=table.number(
            "notice_retry_max_seconds", default.notice_retry_max_seconds
        ),
        notice_alert_seconds=table.number("notice_alert_seconds", default.notice_alert_seconds),
        tls=tls,
        auth=_auth(table.table("auth"), tls),
        tenant=_tenant(table.table("tenant")),
    )
    table.done()
    return settings


def _tenant(table: _Table) -> TenantSettings:
    names = {}
    for key in ("microsoft_tenant_ids", "sender_domains", "dkim_domains", "dns_servers"):
        names[key] = tuple(table._get(key, (list,), "a list of strings", []))
        if not all(isinstance(item, str) and item for item in names[key]):
            raise table.error(key, "must be a list of non-empty strings")
    table.done()
    return TenantSettings(**names)


def _delivery(table: _Table) -> DeliverySettings:
    default = DeliverySettings()
    next_hop = table.address("next_hop", None, optional=True)
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
        timeout=table.number("timeout", default.timeout),
        helo=table.optional_string("helo", None),
        folder=table.required_path("folder", default.folder),
        threads=table.integer("threads", default.threads, 1),
        client_cert_file=table.path_value("client_cert_file", None),
        client_key_file=table.path_value("client_key_file", None),
        auth_user=table.optional_string("auth_user", None),
        auth_password_file=table.path_value("auth_password_file", None),
    )
    if settings.auth_user and (settings.auth_password_file is None or settings.tls != "verify"):
        raise table.error("auth_user", 'needs auth_password_file and tls = "verify"')
    table.done()
    return settings


def _web(table: _Table) -> WebSettings:
    settings = WebSettings(trusted_proxies=table.networks("trusted_proxies", ()))
    table.done()
    return settings


def _logging(table: _Table) -> LoggingSettings:
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


def parse_settings(text: str, source: str = "<settings>", base: Path | None = None) -> Settings:
    """Settings from TOML ``text``; relative paths are taken from ``base``."""
    lines = key_lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's error has no line attribute, only "(at line N, column M)" in its text.
        found = re.search(r"at line (\d+)", str(error))
        line = int(found.group(1)) if found else 1
        raise SettingsError(source, line, "", f"not valid TOML: {error}") from None
    root = _Table(source, lines, base or Path("."), (), data)
    policy = root.table("policy")
    policy_file = policy.required_path("file", Settings().policy_file)
    policy.done()
    detection = _detection(root.table("detection"))
    audit = root.table("audit")
    audit_file = audit.path_value("file", Settings().audit_file)
    audit_clean = audit.boolean("clean_messages", False)
    # The audit keys sit beside the digest secret: apart from the log, which may be shipped.
    keys = detection.secret_file.parent
    chain = AuditSettings(
        key_file=audit.required_path("key_file", keys / "audit.key"),
        signing_key_file=audit.required_path("signing_key_file", keys / "audit-signing.key"),
        host=audit.optional_string("host", None),
        checkpoint_every=audit.integer("checkpoint_every", AuditSettings().checkpoint_every, 1),
        rotate_bytes=audit.integer("rotate_bytes", 0),
    )
    audit.done()
    settings = Settings(
        source=source,
        detection=detection,
        policy_file=policy_file,
        quarantine=_quarantine(root.table("quarantine")),
        audit_file=audit_file,
        audit_clean_messages=audit_clean,
        audit=chain,
        gateway=_gateway(root.table("gateway")),
        delivery=_delivery(root.table("delivery")),
        web=_web(root.table("web")),
        logging=_logging(root.table("logging")),
    )
    root.done()
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
