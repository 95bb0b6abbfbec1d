"""Structured logs: every line one JSON object. Per message, one line with event "message"."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

MESSAGE_LOGGER = "smtp_gateway.message"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["event"] = "log"
            entry["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: a traceback's text can quote the data being processed.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "info", file: Path | None = None, stream: TextIO | None = None) -> None:
    """JSON lines on standard error (or ``file``) for the gateway's loggers and aiosmtpd's."""
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    numeric = getattr(logging, level.upper(), logging.INFO)
    for name in ("smtp_gateway", "dlp"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(numeric)
        logger.propagate = False
    # aiosmtpd logs every command at INFO, addresses included: only at debug level here.
    mail = logging.getLogger("mail.log")
    mail.handlers[:] = [handler]
    mail.setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    mail.propagate = False


def log_message(fields: dict[str, object]) -> None:
    logging.getLogger(MESSAGE_LOGGER).info(
        "message", extra={"fields": {"event": "message", **fields}}
    )


def log_event(event: str, level: int = logging.INFO, **fields: object) -> None:
    logging.getLogger("smtp_gateway").log(
        level, event, extra={"fields": {"event": event, **fields}}
    )
