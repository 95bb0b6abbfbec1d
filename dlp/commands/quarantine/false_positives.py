"""``false-positives``: the findings reviewers marked "not sensitive", as text, JSON, or the
policy's ``[[allow]]`` entries."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from dlp.commands.quarantine.times import when

if TYPE_CHECKING:
    from dlp.quarantine.triage import Actor, Triage


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    positives = actions.add_parser(
        "false-positives",
        help='findings reviewers marked "not sensitive", for the policy\'s allow list',
    )
    positives.add_argument(
        "--format",
        choices=["text", "json", "toml"],
        default="text",
        help="toml: [[allow]] entries to append to the policy file",
    )


def false_positives(triage: Triage, actor: Actor, args: argparse.Namespace) -> int:
    """The "not sensitive" records. ``--format json`` writes one JSON document::

        {"false_positives": [{"digest": "...", "entity_type": "US_SSN", "masked": "***-**-1234",
          "held_id": "...", "recorded": 1767225600, "recorded_by": "rita", "note": "..."}]}

    The digest is the finding's keyed digest (`Finding.digest`: HMAC-SHA256 of the entity type
    and value under the district's secret), the same one every scan computes for that value.
    ``--format toml`` writes them as the policy's ``[[allow]]`` entries: appended to the policy
    file (and the gateway reloaded), those values no longer count in any decision.
    """
    entries = triage.false_positives(actor)
    if args.format == "json":
        print(json.dumps({"false_positives": entries}, indent=2, sort_keys=True))
        return 0
    if args.format == "toml":
        print(_allow_entries(entries), end="")
        return 0
    if not entries:
        print("no false positives recorded")
        return 0
    for entry in entries:
        print(
            f"{entry['entity_type']} {entry['masked'] or '(no preview)'}  digest {entry['digest']}"
        )
        print(
            f"    message {entry['held_id']}, {_recorded(entry)} UTC by {entry['recorded_by']}: "
            f"{entry['note']}"
        )
    return 0


def _recorded(entry: dict[str, object]) -> str:
    recorded = entry["recorded"]
    return when(recorded) if isinstance(recorded, int) else "?"


def _allow_entries(entries: list[dict[str, object]]) -> str:
    """The policy's ``[[allow]]`` tables for ``entries``, one per distinct value."""
    seen: set[tuple[object, object]] = set()
    blocks = []
    for entry in entries:
        key = (entry["entity_type"], entry["digest"])
        if key in seen:
            continue
        seen.add(key)
        blocks.append(
            "[[allow]]\n"
            f"entity_type = {json.dumps(entry['entity_type'])}\n"
            f"digest = {json.dumps(entry['digest'])}\n"
            f"masked = {json.dumps(entry['masked'] or '')}\n"
            f"recorded_by = {json.dumps(entry['recorded_by'])}\n"
            f"note = {json.dumps(f'{_recorded(entry)} UTC: ' + str(entry['note']))}\n"
        )
    return "\n".join(blocks)


ACTIONS = {"false-positives": false_positives}
