"""What the relay does when a scan fails and when it refuses recipients: the gateway's own
choices. The settings file names them (``[gateway] on_scan_failure``, ``on_reject``) and
`dlp.settings` checks the words, which are these enums' values; the gateway turns them into
the enums here, since `dlp` does not import the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dlp.settings import Settings


class ScanFailure(StrEnum):
    """What a message whose scan crashed or ran out of time gets."""

    TEMPFAIL = "tempfail"  # 4xx: the sending MTA keeps it and tries again (fail closed)
    POLICY = "policy"  # decided as unreadable content: the policy's [unscannable] section says


class RejectStyle(StrEnum):
    SMTP = "smtp"  # 550 5.7.1 when every recipient is refused; a notice when only some are
    NOTICE = "notice"  # always accept, and tell the sender in a notice


@dataclass(frozen=True, slots=True)
class RelayOptions:
    on_scan_failure: ScanFailure = ScanFailure.TEMPFAIL
    on_reject: RejectStyle = RejectStyle.SMTP
    notify_sender: bool = True
    audit_clean_messages: bool = False
    public_url: str | None = None  # [web] public_url: notices link to the held message there

    @classmethod
    def of(cls, settings: Settings) -> RelayOptions:
        gateway = settings.gateway
        return cls(
            ScanFailure(gateway.on_scan_failure),
            RejectStyle(gateway.on_reject),
            gateway.notify_sender,
            settings.audit_clean_messages,
            settings.web.public_url,
        )
