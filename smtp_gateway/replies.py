"""SMTP replies the gateway gives, as named constants (RFC 5321 codes, RFC 3463 enhanced codes)."""

from __future__ import annotations

from typing import Final

MAIL_OK: Final = "250 2.1.0 Ok"
RCPT_OK: Final = "250 2.1.5 Ok"
QUEUED: Final = "250 2.0.0 Ok: {id}"

TRY_LATER_NEXT_HOP: Final = "451 4.4.1 Next hop unavailable, message kept for a later try"
TRY_LATER_SCAN: Final = "451 4.3.0 The message could not be checked; try again later"
TRY_LATER_HOLD: Final = "451 4.3.0 The message could not be held safely; try again later"
BUSY: Final = "451 4.3.2 The gateway is busy; try again later"
SHUTTING_DOWN: Final = "421 4.3.2 The gateway is shutting down; try again later"
TOO_MANY_RECIPIENTS: Final = "452 4.5.3 Too many recipients in one message; send the rest again"

RELAY_DENIED: Final = "554 5.7.1 Relay access denied"
POLICY_REJECT: Final = "550 5.7.1 {reason}"
TOO_BIG: Final = "552 5.3.4 Message too big for this gateway"
LINE_TOO_LONG: Final = "550 5.6.0 Message refused: a line is longer than {limit} octets"
BARE_LF: Final = "550 5.6.0 Message refused: bare LF in message data (line endings must be CRLF)"
BARE_CR: Final = "550 5.6.0 Message refused: bare CR in message data (line endings must be CRLF)"
# The gateway offers no BINARYMIME (RFC 3030), so a NUL byte is never valid: not in a command
# argument, not in the message data. Refused rather than relayed, since a NUL also breaks holding
# on PostgreSQL (a text column cannot store it).
NUL_IN_COMMAND: Final = "501 5.5.2 Syntax error: NUL byte in the command (not allowed)"
NUL_IN_DATA: Final = "550 5.6.0 Message refused: NUL byte in message data (no BINARYMIME here)"
NEEDS_SMTPUTF8: Final = "553 5.6.7 A non-ASCII address needs MAIL FROM ... SMTPUTF8"
ADDRESS_NOT_UTF8: Final = "553 5.1.7 The address is not valid UTF-8"
XFORWARD_OK: Final = "250 2.0.0 Ok"
XFORWARD_DENIED: Final = "550 5.7.0 Error: insufficient authorization"
XFORWARD_IN_TRANSACTION: Final = "503 5.5.1 Error: XFORWARD not allowed within transaction"
XFORWARD_SYNTAX: Final = "501 5.5.4 Syntax: XFORWARD attribute=value..."
XFORWARD_OFFER: Final = "250-XFORWARD NAME ADDR PROTO HELO"
# The tenant check (smtp_gateway.tenant) and the loop stamp (dlp.actions.loopstamp).
TENANT_REFUSED: Final = "550 5.7.1 Not relayed for this tenant: {reason}"
TENANT_TRY_LATER: Final = "451 4.7.5 The DKIM key could not be looked up; try again later"
LOOP: Final = "554 5.4.6 Routing loop: this message already passed this gateway (X-DLP-Scanned)"
NEED_RCPT: Final = "503 5.5.1 Error: need RCPT command"
DATA_SYNTAX: Final = "501 5.5.4 Syntax: DATA"
START_DATA: Final = "354 End data with <CR><LF>.<CR><LF>"


def one_line(text: str, limit: int = 400) -> str:
    """Printable ASCII on one line, short enough for an SMTP reply."""
    cleaned = " ".join(text.split())
    cleaned = "".join(char if " " <= char <= "~" else "?" for char in cleaned)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."
