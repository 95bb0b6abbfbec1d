"""Policy: findings in, one explained verdict per recipient out.

Layers as in rspamd: `facts` (which detections count, and their weight), `expression` (named
combinations and rules), `decision` (verdict per recipient). `load` validates the TOML file.
"""

from dlp.policy.config import Mode, Policy, Verdict
from dlp.policy.decision import Decision, Encryption, FiredRule, RecipientVerdict, decide
from dlp.policy.load import PolicyError, load_policy, parse_policy

__all__ = [
    "Decision",
    "Encryption",
    "FiredRule",
    "Mode",
    "Policy",
    "PolicyError",
    "RecipientVerdict",
    "Verdict",
    "decide",
    "load_policy",
    "parse_policy",
]
