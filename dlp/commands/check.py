"""`dlp check`: what would the policy do with this message? Try a policy before enforcing it.

dlp check --policy FILE --from ADDR --to ADDR [--to ADDR ...] [--format json] < message.eml

The detection options are `dlp scan`'s (--config, --roster, --recognizers,
--recognizers-overlay, --threshold, --secret-file, and $DLP_SECRET / $DLP_SECRET_FILE /
var/secret.key), so roster rules (ROSTER_STUDENT_NAME, OPTED_OUT) can be tried with the
district's roster, and a category the overlay adds with a rule that names it.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.detection_options import (
    add_detection_options,
    detection_config,
    detection_settings,
)

if TYPE_CHECKING:
    from dlp.policy import Decision


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="decide what the policy does with a message read from standard input"
    )
    parser.add_argument("--policy", required=True, help="the policy TOML file")
    parser.add_argument("--from", dest="sender", required=True, help="envelope sender")
    parser.add_argument(
        "--to", dest="recipients", action="append", required=True, help="a recipient (repeatable)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--certificates",
        help="folder of recipients' S/MIME certificates (default: the policy's)",
    )
    parser.add_argument(
        "--opted-out",
        help="file of roster subject digests with restricted directory information, one a line",
    )
    add_detection_options(parser)
    parser.set_defaults(func=run)


def _read_lines(path: str | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _header(raw: bytes, name: str) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        return str(message.get(name, "") or "")
    except (ValueError, IndexError):  # malformed header: as if absent
        return ""


def run(args: argparse.Namespace) -> int:
    from dlp.actions.notify import NoticeError, NoticeRenderer, policy_template
    from dlp.actions.smime import CertificateStore
    from dlp.detect.categories import CategoryError
    from dlp.policy import PolicyError, decide, load_policy

    try:
        # The categories the scanner's recognizer folders declare are the policy's names.
        policy = load_policy(args.policy, detection_settings(args).categories())
        renderer = NoticeRenderer(policy_template(policy))
    except (PolicyError, NoticeError, CategoryError) as error:
        raise UsageError(str(error)) from None
    try:
        from dlp.engine import build_scanner
        from dlp.extract.limits import Limits
        from dlp.pipeline import scan_message
    except ImportError as error:
        raise UsageError(f"message scanning is not available in this build ({error})") from None

    raw = sys.stdin.buffer.read()
    if not raw.strip():
        raise UsageError("no message on standard input")
    folder = args.certificates
    if folder is None and policy.encryption.certificates:
        folder = str(Path(policy.source).parent / policy.encryption.certificates)
    certificates = CertificateStore.load(folder).addresses() if folder else frozenset()

    # stderr passed explicitly: the helper's default is the stream of its import time.
    config = detection_config(
        args,
        "digests in this decision are valid for this run only (set DLP_SECRET or "
        "--secret-file to compare them with the audit log)",
        stderr=sys.stderr,
    )
    try:
        scanner = build_scanner(config)
    except ValueError as error:  # a bad recognizer file, a roster that cannot be opened
        raise UsageError(str(error)) from None
    scan = scan_message(raw, scanner, Limits())
    message_id = _header(raw, "Message-ID")
    decision = decide(
        policy,
        args.sender,
        args.recipients,
        scan,
        subject_tag_present=policy.encryption.tag_in(_header(raw, "Subject")),
        certificates=certificates,
        opted_out=_read_lines(args.opted_out),
        households=scanner.roster.families if scanner.roster is not None else None,
        header_from=_header(raw, "From"),
    )
    notice = renderer.render(decision, policy, message_id)
    if args.format == "json":
        document = decision.to_dict()
        document["message_id"] = message_id
        document["notice"] = {"subject": notice.subject, "body": notice.body} if notice else None
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(format_text(decision, policy.source, message_id))
        if notice is not None:
            print("\nNotice to the sender:\n")
            print(f"Subject: {notice.subject}\n\n{notice.body}")
    return 1 if decision.blocked else 0


def format_text(decision: Decision, source: str, message_id: str) -> str:
    lines = [
        f"Policy: {source} ({decision.mode.value} mode)",
        f"Message: {message_id or '(no message id)'} from {decision.sender}",
    ]
    for verdict in decision.per_recipient.values():
        what = verdict.verdict.value.upper()
        if verdict.encryption:
            what += f" ({verdict.encryption.value})"
        if verdict.intended != verdict.verdict:
            what += f"  [policy decided: {verdict.intended.value.upper()}]"
        lines.append(f"  {verdict.address} [{verdict.kind}]: {what}")
        for rule in verdict.rules:
            clauses = ", ".join(rule.clauses)
            lines.append(f"    - {rule.name} -> {rule.verdict.value} ({clauses})")
            lines.append(f"      {rule.explanation}")
    if decision.findings:
        lines.append("Findings:")
        for summary in decision.findings:
            previews = ", ".join(summary.masked)
            lines.append(f"  {summary.describe()}: {previews}")
    for item in decision.unscannable:
        lines.append(f"Could not read: {item.location} ({item.reason})")
    return "\n".join(lines)
