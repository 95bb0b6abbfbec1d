"""The quarantine: held messages encrypted at rest, their review, retention and release.

Modules: `crypto` (AES-256-GCM at rest, key rotation), `schema` (tables), `store` (the
database; retention is each message's ``expires``, set at hold time from ``[quarantine]
retention_days``, and `QuarantineStore.expired`), `records` (what it hands out), `reveal`
(finding in context), `release` (through `dlp.delivery`), `triage` (every look and decision
audited; `Triage.purge` destroys expired bytes), `wiring` (the store and `Triage` from the
settings). Nothing is imported here: the gateway (`smtp_gateway.holding`) imports only
`crypto` and `store`; `release` stamps copies with the gateway's `smtp_gateway.headers`.
"""
