"""The quarantine: held messages encrypted at rest, their review, retention and release.

Modules: `crypto` (AES-256-GCM at rest, key rotation), `schema` (tables), `store` (the
database), `records` (what it hands out), `reveal` (finding in context), `retention`,
`release` (through `dlp.delivery`), `triage` (every look and decision audited).
Nothing is imported here: the gateway imports only `dlp.quarantine.store`.
"""
