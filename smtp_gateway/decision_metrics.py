"""Each decided message counted in Prometheus by verdict, recipient kind, rule and category.

The labels stay bounded: a rule not in the policy now in force (a reload dropped it) and a
category the recognizers do not declare count as "other"; verdicts and kinds are enums.
"""

from __future__ import annotations

from collections.abc import Callable

from dlp.policy import Policy, Verdict
from smtp_gateway.metrics import Metrics
from smtp_gateway.observers import Decided

OTHER = "other"


class DecisionMetrics:
    def __init__(self, metrics: Metrics, policy: Callable[[], Policy]) -> None:
        self.metrics = metrics
        self.policy = policy

    async def decided(self, decided: Decided) -> None:
        policy = self.policy()
        rules = {rule.name for rule in policy.rules}
        categories = policy.categories
        strictest = Verdict.DELIVER
        for verdict in decided.decision.per_recipient.values():
            self.metrics.decisions.labels(verdict.verdict.value, verdict.kind).inc()
            if verdict.verdict.rank > strictest.rank:
                strictest = verdict.verdict
            for rule in verdict.rules:
                name = rule.name if rule.name in rules else OTHER
                self.metrics.rule_hits.labels(name, verdict.verdict.value, verdict.kind).inc()
        seen = {s.category for s in decided.decision.findings if s.category}
        for category in seen:
            label = category if category in categories else OTHER
            self.metrics.category_messages.labels(label, strictest.value).inc()
