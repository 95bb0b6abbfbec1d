"""Events for a SIEM: one per decision (`event.py`), written as JSON or CEF (`formats.py`) and
sent over syslog (RFC 5424) on UDP, TCP or TLS (`syslog.py`), configured by ``[siem]``
(`settings.py`). An event holds what the audit log holds about a decision, less: verdicts,
rules, clauses, categories, counts, digests of the sender; never a value."""
