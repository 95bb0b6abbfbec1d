"""What the quarantine raises, apart from the store that raises most of it: the terminal's
listing (`dlp.quarantine.sqlite_listing`) and the review (`dlp.quarantine.triage`) raise and
catch them without importing SQLAlchemy. `dlp.quarantine.store` re-exports them."""

from __future__ import annotations


class QuarantineError(ValueError):
    """Something asked of the quarantine that it cannot do; the message says what and why."""


class NotFound(QuarantineError):
    pass


class IntegrityError(QuarantineError):
    """Stored bytes that no longer match their hash, or do not decrypt."""


class StateError(QuarantineError):
    """An action that the message's status (or legal hold) does not allow."""
