"""A message checked: its scan and the policy's decision on it, made together in a scanning process.

The decision is made where the scan is, not on the gateway's event loop: then the scan time
limit covers both (an overrun kills the process, whichever step it is in), and a message with
many findings neither holds up the loop while it is decided nor crosses the pipe as a million
objects to unpickle. What the decision needs besides the content travels as plain data: the
policy (`DecisionRules`, sent to each process once per policy version) and the envelope
(`Ask`, with every message).
"""

from __future__ import annotations

from dataclasses import dataclass

from dlp.model import ScanResult
from dlp.policy import Decision, Policy, decide
from dlp.policy.families import Households


@dataclass(frozen=True, slots=True)
class DecisionRules:
    """The part of a policy bundle a decision needs."""

    version: str
    policy: Policy
    certificates: frozenset[str]  # addresses with an S/MIME certificate, lower case


@dataclass(frozen=True, slots=True)
class Ask:
    """One message's envelope, as the decision sees it."""

    sender: str
    recipients: tuple[str, ...]
    subject_tag_present: bool = False
    # The sender's students sent outside over 24 hours, when the policy asks (`relay`).
    sender_students: frozenset[str] = frozenset()
    header_from: str = ""  # the From field's address: the sender, when in a district domain


@dataclass(frozen=True, slots=True)
class Checked:
    scan: ScanResult
    decision: Decision

    @classmethod
    def of(
        cls,
        scan: ScanResult,
        ask: Ask,
        rules: DecisionRules,
        households: Households | None = None,
    ) -> Checked:
        """``households``: the roster the scan matched against (the scanner's), for who the
        recipients and the sender are."""
        decision = decide(
            rules.policy,
            ask.sender,
            ask.recipients,
            scan,
            subject_tag_present=ask.subject_tag_present,
            certificates=rules.certificates,
            sender_students=ask.sender_students,
            households=households,
            header_from=ask.header_from,
        )
        return cls(scan, decision)
