"""The notice to a sender whose message was held: what was found, which clause, what to do.

It is built from the decision only (types, counts, locations, rule explanations, clause titles),
never from the message, so it cannot repeat a sensitive value; not even masked previews are
passed to the template. Templates are Jinja2, rendered in a sandbox: a district edits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from dlp.policy.config import Policy, Verdict
from dlp.policy.decision import UNSCANNABLE_RULE, Decision, RecipientVerdict

_WORDS = {
    Verdict.DELIVER: "delivered",
    Verdict.ENCRYPT: "delivered encrypted",
    Verdict.QUARANTINE: "held for review by the district (quarantined)",
    Verdict.REJECT: "refused",
}


class NoticeError(ValueError):
    """A notice template that cannot be used."""


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    body: str


def message_links(public_url: str | None, held: Mapping[str, str]) -> dict[str, str]:
    """Each held recipient's link to its message's page in ``dlp web`` (``[web] public_url``
    + ``/messages/ID``: the quarantine's random id, never a value); none without a URL."""
    if not public_url:
        return {}
    base = public_url.rstrip("/")
    return {address: f"{base}/messages/{held_id}" for address, held_id in held.items()}


def default_template() -> str:
    return (resources.files("dlp.actions") / "templates" / "sender_notice.txt.j2").read_text(
        encoding="utf-8"
    )


def policy_template(policy: Policy) -> str:
    """The policy's own template (relative to the policy file), or the built-in one."""
    if policy.notifications.template is None:
        return default_template()
    path = Path(policy.source).parent / policy.notifications.template
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise NoticeError(f"{path}: cannot read the notice template: {error}") from None


class NoticeRenderer:
    """A compiled notice template; build once, render per decision."""

    def __init__(self, template: str) -> None:
        environment = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        try:
            self._template = environment.from_string(template)
        except TemplateError as error:
            raise NoticeError(f"notice template: {error}") from None

    def render(
        self,
        decision: Decision,
        policy: Policy,
        message_id: str = "",
        links: Mapping[str, str] | None = None,
    ) -> Notice | None:
        """The notice for ``decision``, or None when no recipient's copy was (or would be) held.
        ``links``: the held recipients' message pages in ``dlp web`` (`message_links`)."""
        held = [verdict for verdict in decision.per_recipient.values() if verdict.intended.blocks]
        if not held:
            return None
        links = links or {}
        shared = {links.get(verdict.address) for verdict in held}
        # One page for all of them (one held copy, the usual case): said once.
        link = shared.pop() if len(shared) == 1 else None
        clause_ids = dict.fromkeys(clause for verdict in held for clause in verdict.clauses)
        shown = {
            summary.entity_type
            for verdict in held
            for rule in verdict.rules
            for summary in rule.findings
        }
        context = {
            "district": policy.district_name,
            "message_id": message_id or "(no message id)",
            "audit_only": decision.mode.value == "audit",
            "link": link,
            "recipients": [
                {
                    "address": verdict.address,
                    "kind": verdict.kind,
                    "verdict": verdict.verdict.value,
                    "intended": verdict.intended.value,
                    "intended_words": _WORDS[verdict.intended],
                    "link": links.get(verdict.address),
                    "rules": [
                        {
                            "name": rule.name,
                            "explanation": rule.explanation,
                            "clauses": [
                                {"id": clause, "title": policy.clause_title(clause)}
                                for clause in rule.clauses
                            ],
                        }
                        for rule in verdict.rules
                        if rule.verdict.rank >= Verdict.QUARANTINE.rank
                        or rule.verdict == verdict.intended
                    ],
                }
                for verdict in held
            ],
            "findings": [
                {
                    "label": summary.label,
                    "count": summary.count,
                    "lower_bound": summary.lower_bound,  # more were found than kept
                    "locations": list(summary.locations),
                }
                for summary in decision.findings
                if summary.entity_type in shown
            ],
            "clauses": [
                {"id": clause, "title": policy.clause_title(clause)} for clause in clause_ids
            ],
            "authorization_help": policy.notifications.authorization_help,
        }
        try:
            body = self._template.render(context)
        except TemplateError as error:
            raise NoticeError(f"notice template: {error}") from None
        return Notice(subject=_subject(held, policy), body=body)


def _subject(held: list[RecipientVerdict], policy: Policy) -> str:
    """The sender subject; the unscannable one when unreadable content alone held the message:
    then nothing protected was found, and the subject must not say so."""
    holding = [
        rule.name
        for verdict in held
        for rule in verdict.rules
        if rule.verdict.rank >= Verdict.QUARANTINE.rank
    ]
    if holding and all(name == UNSCANNABLE_RULE for name in holding):
        return policy.notifications.unscannable_subject
    return policy.notifications.sender_subject
