"""`dlp web`: the reviewers' browser application over the quarantine (Starlette, server-rendered).

Modules: `accounts` (roles, argon2id password hashes), `sessions` (server-side sessions and
their CSRF tokens), `ratelimit` (failed logins), `app` (routes and pages). Every look and
decision goes through `dlp.quarantine.triage`, which writes the audit log.
"""
