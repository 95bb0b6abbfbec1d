"""Who a recipient is to the district: internal, an authorized partner, or anyone else."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr

from dlp.domains import ascii_domain
from dlp.policy.config import Authorization, Policy
from dlp.policy.lookalike import LookalikeMatch


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str  # normalized: bare address, domain as lower-case A-labels (`ascii_domain`)
    domain: str
    internal: bool
    authorization: Authorization | None  # an active agreement that names this recipient
    expired: Authorization | None  # an agreement that named it but has run out
    lookalike: LookalikeMatch | None

    @property
    def kind(self) -> str:
        if self.internal:
            return "internal"
        return "authorized" if self.authorization else "external"

    def flags(self, has_certificate: bool) -> frozenset[str]:
        flags = {"INTERNAL"} if self.internal else {"EXTERNAL"}
        if self.authorization:
            flags.add("AUTHORIZED")
        if self.lookalike:
            flags.add("LOOKALIKE")
        if has_certificate:
            flags.add("CERTIFICATE")
        return frozenset(flags)


# Remembered: every recipient of every message goes through the e-mail package's address
# parser and IDNA, and the same addresses come back all day.
@functools.lru_cache(maxsize=4096)
def normalize_address(address: str) -> tuple[str, str]:
    """``"Ms. Doe" <Jane@Example.COM>`` -> (``Jane@example.com``, ``example.com``); the domain
    in IDNA A-labels (``bücher.example`` -> ``xn--bcher-kva.example``), as the policy's are."""
    _, bare = parseaddr(address)
    bare = (bare or address).strip().strip("<>")
    local, at, domain = bare.rpartition("@")
    if not at:
        return bare, ""
    domain = ascii_domain(domain)
    return f"{local}@{domain}", domain


def _within(domain: str, parent: str, subdomains: bool) -> bool:
    return domain == parent or (subdomains and domain.endswith("." + parent))


def _authorization(policy: Policy, address: str, domain: str) -> list[Authorization]:
    """Agreements naming this recipient, the most specific first (address, then domain)."""
    lowered = address.lower()
    by_address = [entry for entry in policy.authorized if lowered in entry.addresses]
    by_domain = sorted(
        (
            entry
            for entry in policy.authorized
            if any(_within(domain, allowed, True) for allowed in entry.domains)
        ),
        key=lambda entry: -max(len(allowed) for allowed in entry.domains),
    )
    return by_address + by_domain


def classify(policy: Policy, address: str, today: date) -> Recipient:
    normalized, domain = normalize_address(address)
    internal = any(
        _within(domain, own, policy.include_subdomains) for own in policy.internal_domains
    )
    authorization = expired = None
    lookalike = None
    if not internal:
        entries = _authorization(policy, normalized, domain)
        active = [entry for entry in entries if entry.active(today)]
        authorization = active[0] if active else None
        expired = entries[0] if entries and not active else None
        if authorization is None and domain:
            lookalike = policy.lookalike.check(domain)
    return Recipient(normalized, domain, internal, authorization, expired, lookalike)
