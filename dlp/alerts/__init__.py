"""Alerts to security staff: a message held or refused, and conditions that need a person
(the notice queue aging, the quarantine filling, an agreement expiring, the audit chain
broken, the roster stale).

What an alert says is built from decisions and counts only (`alert.py`); who is told, and
whether at once or in the next digest, is the settings' ``[alerts]`` (`settings.py`,
`routing.py`); e-mail goes through the durable notice queue (`dlp.actions.outbox`), webhooks
through a durable queue of their own (`dispatch.py`, `webhook.py`), stored in the quarantine's
database (`dlp.quarantine.alert_queue`). Nothing here imports `dlp.quarantine` or
`dlp.settings`: the gateway and the commands assemble the parts.
"""
