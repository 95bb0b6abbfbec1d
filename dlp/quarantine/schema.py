"""The quarantine's tables (SQLAlchemy Core), the same for SQLite and PostgreSQL.

Times are whole seconds since the epoch (UTC) in integer columns: both databases compare them
the same way, with no time-zone conversion in between. Message bytes live only in
``quarantine_blobs``, encrypted; everything else is metadata, masked previews and digests.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _held_id() -> Column[str]:
    """The key of a table that says more about one held message (a new column each time: a
    column belongs to one table); its rows go when the message's row goes."""
    return Column(
        "held_id",
        String(32),
        ForeignKey("quarantine_messages.id", ondelete="CASCADE"),
        primary_key=True,
    )


messages = Table(
    "quarantine_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("received", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("sender", String(998), nullable=False),
    Column("message_id", String(998), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("score", Float, nullable=False),
    # ",A,B," so that one LIKE '%,A,%' finds a member on either database.
    Column("categories", Text, nullable=False),
    Column("rules", Text, nullable=False),
    Column("decision", Text, nullable=False),  # JSON: Decision.to_dict(), masked
    Column("status", String(16), nullable=False),
    Column("status_time", BigInteger, nullable=False),
    Column("status_by", String(128), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("delivery", Text, nullable=False, default=""),  # JSON: last release attempt
    Index("quarantine_messages_received", "received"),
    Index("quarantine_messages_status", "status"),
    Index("quarantine_messages_sha256", "sha256"),  # the same message held again is merged
)

recipients = Table(
    "quarantine_recipients",
    metadata,
    _held_id(),
    Column("position", Integer, primary_key=True),
    Column("address", String(998), nullable=False),
    Column("lower_address", String(998), nullable=False),
    Index("quarantine_recipients_address", "lower_address"),
)

blobs = Table(
    "quarantine_blobs",
    metadata,
    _held_id(),
    Column("key_id", String(16), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)

findings = Table(
    "quarantine_findings",
    metadata,
    _held_id(),
    Column("position", Integer, primary_key=True),
    Column("entity_type", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("location", Text, nullable=False),  # safe_location: digit runs in names masked
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("recognizer", String(128), nullable=False),
    Column("pattern", String(128), nullable=False),
    Column("masked", String(256), nullable=False),
    Column("digest", String(128), nullable=False),
    Column("context_words", Text, nullable=False),  # JSON list
    Column("rules", Text, nullable=False),  # JSON list of {"rule", "clauses"}
)

# A held message's Message-ID is kept masked in ``quarantine_messages``; staff find a message
# by the whole value through its keyed digest here (`dlp.identifiers.message_id_digest`). A
# table of its own, so that a quarantine made before it gains it by ``create_all``.
message_digests = Table(
    "quarantine_message_digests",
    metadata,
    _held_id(),
    Column("message_id_digest", String(64), nullable=False),
    Index("quarantine_message_digests_digest", "message_id_digest"),
)

# Facts about the quarantine as a whole, by name (the digest secret's fingerprint).
settings = Table(
    "quarantine_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

false_positives = Table(
    "quarantine_false_positives",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(128), nullable=False),
    Column("entity_type", String(64), nullable=False),
    Column("held_id", String(32), nullable=False),
    Column("recorded", BigInteger, nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("note", Text, nullable=False),
    Index("quarantine_false_positives_digest", "digest"),
)

accounts = Table(
    "quarantine_accounts",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("password_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

# Mail the district's systems write themselves (notices, failure reports), waiting to go out:
# `dlp.actions.outbox`. ``next_try`` is also the lease of whoever is attempting it now.
outbox = Table(
    "quarantine_outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created", BigInteger, nullable=False),
    Column("next_try", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("recipient", String(998), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("about", String(998), nullable=False),
    Column("last_error", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),  # built from decisions only: no content
    Index("quarantine_outbox_next_try", "next_try"),
)

# Signed checkpoints of each host's audit chain (`dlp.audit_checkpoints`). The head is part of
# the key: a chain started over after a truncation keeps the old checkpoint as evidence.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("count", BigInteger, primary_key=True),
    Column("head", String(64), primary_key=True),
    Column("time", BigInteger, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)


# The pickup portal (`dlp.portal`): links, one-time codes and sessions, all here so that
# gateways sharing one PostgreSQL quarantine serve each other's pickups. Tokens, codes and
# session ids are stored as SHA-256 hashes only.
portal_links = Table(
    "portal_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "held_id",
        String(32),
        ForeignKey("quarantine_messages.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("recipient", String(998), nullable=False),
    Column("purpose", String(16), nullable=False),  # "pickup" or "revoke" (the sender's)
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("revoked", BigInteger, nullable=False, default=0),  # when; 0: not revoked
    Column("revoked_by", String(128), nullable=False, default=""),
    Column("failures", Integer, nullable=False, default=0),  # wrong codes since the last good
    Column("locked_until", BigInteger, nullable=False, default=0),
    Index("portal_links_held", "held_id"),
)

portal_codes = Table(
    "portal_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("sent", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
    Index("portal_codes_token", "token_hash"),
)

portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
)

# Alerts waiting to go out (`dlp.alerts.dispatch`): webhook posts and digest entries. ``due``
# is also the lease of whoever is sending it now, as in ``quarantine_outbox``.
alert_queue = Table(
    "alert_queue",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("target", String(998), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("due", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("body", Text, nullable=False),  # the alert's JSON: masked, no values
    Index("alert_queue_due", "due"),
)

# When each standing condition (the quarantine's size, an agreement's expiry) was last told.
alert_state = Table(
    "alert_state",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("last", BigInteger, nullable=False),
)

# One row per decided message, for the dashboard: metadata only, never a value; kept for
# ``[quarantine] decision_retention_days`` (`dlp.quarantine.decisions`). Lists are ",A,B,".
decisions = Table(
    "dlp_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", BigInteger, nullable=False),
    Column("gateway_id", String(32), nullable=False),
    Column("sender_digest", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),  # the strictest over all recipients
    Column("verdict_internal", String(16), nullable=False),  # "" when no such recipient
    Column("verdict_authorized", String(16), nullable=False),
    Column("verdict_external", String(16), nullable=False),
    Column("rules", Text, nullable=False),
    Column("categories", Text, nullable=False),
    Column("clauses", Text, nullable=False),
    Column("recipient_domains", Text, nullable=False),  # external and authorized ones
    Column("held_id", String(32), nullable=False),
    Column("findings", Integer, nullable=False),
    Index("dlp_decisions_time", "time"),
    Index("dlp_decisions_sender", "sender_digest", "time"),
)

# The students (roster subject digests, or keyed digests of a student ID) in each message a
# sender had delivered or encrypted outside the district: `sender.students_24h`.
sender_students = Table(
    "dlp_sender_students",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_digest", String(64), nullable=False),
    Column("student", String(130), nullable=False),
    Column("time", BigInteger, nullable=False),
    Index("dlp_sender_students_time", "sender_digest", "time"),
)

# When each upkeep job last ran (`dlp.upkeep.scheduler`), and, on SQLite, who holds its lock
# (PostgreSQL uses an advisory lock instead).
upkeep_runs = Table(
    "upkeep_runs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last", BigInteger, nullable=False),
    Column("result", String(16), nullable=False),
)

upkeep_locks = Table(
    "upkeep_locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("until", BigInteger, nullable=False),
)

# The per-student disclosure record (34 CFR 99.32; `dlp.actions.disclosures`): append-only,
# never tied to a held message (it outlives the quarantine's purge: its own retention).
disclosures = Table(
    "disclosure_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student", String(32), nullable=False),  # roster subject digest, never a value
    Column("recipient", String(998), nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("categories", Text, nullable=False),  # ",A,B,"
    Column("basis", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("message_id", String(998), nullable=False),  # masked
    Column("roster_version", String(32), nullable=False),
    Index("disclosure_records_student", "student", "time"),
)
