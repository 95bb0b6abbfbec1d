"""`dlp policy check FILE`: validate a policy file and summarise what it declares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dlp.cli import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("policy", help="work with policy files")
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a policy file")
    check.add_argument("file", help="the policy TOML file")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from dlp.actions.notify import NoticeError, NoticeRenderer, policy_template
    from dlp.policy import PolicyError, load_policy

    try:
        policy = load_policy(args.file)
        NoticeRenderer(policy_template(policy))
    except (PolicyError, NoticeError) as error:
        raise UsageError(str(error)) from None
    print(f"{args.file}: ok ({policy.mode.value} mode)")
    if policy.encryption.certificates is not None:
        folder = Path(policy.source).parent / policy.encryption.certificates
        if not folder.is_dir():
            # Not an error: the gateway runs without it, but no one gets S/MIME.
            print(
                f"dlp: warning: {folder}: [encryption].certificates is not a folder; no "
                f"recipient can receive S/MIME until it exists",
                file=sys.stderr,
            )
    print(f"  district domains: {', '.join(policy.internal_domains)}")
    print(f"  rules: {', '.join(rule.name for rule in policy.rules) or '(none)'}")
    for entry in policy.authorized:
        who = ", ".join([*entry.domains, *entry.addresses])
        until = f", until {entry.expires}" if entry.expires else ""
        receives = [*sorted(category.value for category in entry.categories)]
        receives += sorted(entry.entities)  # entity types named outright (US_SSN)
        print(f"  authorized: {entry.name} [{who}] may receive {', '.join(receives)}")
        print(f"    under {entry.agreement}{until}")
    return 0
