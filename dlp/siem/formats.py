"""An event as one line of JSON or of CEF (ArcSight's Common Event Format, version 0).

CEF: ``CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|key=value ...``; in the header a
``\\`` and a ``|`` are escaped with a backslash, in the extension a ``\\``, a ``=`` and line
breaks. Severity 0 to 10: 3 delivered, 5 encrypted, 7 held, 9 refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

VENDOR, PRODUCT, VERSION = "K12-DLP", "dlp-gateway", "1"
SEVERITY = {"deliver": 3, "encrypt": 5, "quarantine": 7, "reject": 9}


def to_json(event: Mapping[str, object]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _header(value: object) -> str:
    return (
        str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    )


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        text = ",".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n")


# Event keys in CEF's own dictionary; the rest go in custom strings with labels.
_STANDARD = {
    "gateway_id": "externalId",
    "verdict": "act",
    "sender_domain": "suser",
    "reply": "outcome",
}
_CUSTOM = (
    ("rules", "cs1", "rules"),
    ("clauses", "cs2", "clauses"),
    ("categories", "cs3", "categories"),
    ("findings", "cs4", "findings"),
    ("external_domains", "cs5", "externalDomains"),
    ("sender_digest", "cs6", "senderDigest"),
)


def to_cef(event: Mapping[str, object]) -> str:
    verdict = str(event.get("verdict", "deliver"))
    name = f"message {verdict}"
    header = "|".join(
        _header(part)
        for part in (
            "CEF:0",
            VENDOR,
            PRODUCT,
            VERSION,
            event.get("event", "dlp-decision"),
            name,
            SEVERITY.get(verdict, 5),
        )
    )
    pairs: list[tuple[str, object]] = []
    if "time" in event:
        pairs.append(("rt", event["time"]))
    for key, cef in _STANDARD.items():
        if key in event:
            pairs.append((cef, event[key]))
    for key, cef, label in _CUSTOM:
        if key in event:
            pairs.append((cef, event[key]))
            pairs.append((f"{cef}Label", label))
    if "recipients" in event:
        pairs.append(("cn1", event["recipients"]))
        pairs.append(("cn1Label", "recipients"))
    if "people" in event:
        pairs.append(("cn2", event["people"]))
        pairs.append(("cn2Label", "people"))
    if "message_id" in event:
        pairs.append(("msg", event["message_id"]))
    return header + "|" + " ".join(f"{key}={_value(value)}" for key, value in pairs)


def render(event: Mapping[str, object], kind: str) -> str:
    return to_cef(event) if kind == "cef" else to_json(event)
