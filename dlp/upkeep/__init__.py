"""Scheduled upkeep without cron: retention purge, agreement-expiry warnings, roster-age
checks, audit checkpoints. `scheduler.py` runs what is due, each job under a lock so that of
several gateways sharing one database exactly one runs it per period; the jobs themselves and
the database's locks are assembled in `dlp.quarantine.upkeep`; `dlp maintain` runs them by
hand."""
