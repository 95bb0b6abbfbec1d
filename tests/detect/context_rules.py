"""Context rules the scorer tests share: labels, negative words, indexed and not, and negative
words that end with what a label's gap holds."""

from __future__ import annotations

from dlp.detect.context import ContextRule

LABEL_RULES = [
    ContextRule(("ssn", "social security"), 40, 20, ("room", "lot", "order")),
    ContextRule(("student id", "ssid"), 12, 30, ("room", "invoice", "order #")),
    ContextRule(("ssn", "phone"), 25, 25, ("room",), indexed=False),
    ContextRule(("ssn",), 30, 30),
    ContextRule((), 30, 30, ("room",)),
    # Negative words that end with what a label's gap holds (":", "."), so that the gap after
    # "Student ID" is no proof: their last two characters are looked for there.
    ContextRule(("student id", "ssid"), 40, 20, ("ss:", "ss no.", "salón", "p.o.", "lot #")),
]
