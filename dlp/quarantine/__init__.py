"""The quarantine: held messages encrypted at rest, their review, retention and release.

Modules: `crypto` (AES-256-GCM at rest, key rotation), `schema` (tables), `store` (the
database; retention is each message's ``expires``, set at hold time from ``[quarantine]
retention_days``, and `QuarantineStore.expired`), `records` (what it hands out), `reveal`
(finding in context), `release` (through the action step `dlp.actions.step`, as the gateway
relays), `outbox` (the outbound queue of notices, `dlp.actions.outbox`, in the same database),
`triage` (every look and decision audited; `Triage.purge` destroys expired bytes), `wiring`
(the store and `Triage` from the settings). Nothing is imported here: the gateway
(`smtp_gateway.holding`, `smtp_gateway.server`) imports `crypto`, `store` and `outbox`.
"""
