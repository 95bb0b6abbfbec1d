"""The part of the configuration a SIGHUP reloads: the policy and what is read with it.

A `PolicyBundle` is loaded whole or not at all: a policy that does not validate, a notice
template that does not compile, leave the running bundle in place.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dlp.actions.notify import NoticeRenderer, policy_template
from dlp.actions.smime import CertificateStore
from dlp.detect.categories import CategoryInfo
from dlp.policy import Policy, parse_policy
from smtp_gateway.checking import DecisionRules


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    policy: Policy
    version: str  # "sha256:" and the first 12 hex digits of the policy file
    certificates: CertificateStore
    renderer: NoticeRenderer
    notice_from: str
    rules: DecisionRules  # what the scanning processes decide with

    @classmethod
    def load(
        cls,
        path: Path,
        notice_from: str | None = None,
        categories: Mapping[str, CategoryInfo] | None = None,
    ) -> PolicyBundle:
        """Raises `PolicyError`, `NoticeError` or `OSError` with a message naming the file.
        ``categories``: the scanner's (``DetectionSettings.categories``); None: the shipped."""
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise OSError(f"{path}: not UTF-8 text ({error.reason})") from None
        policy = parse_policy(text, str(path), categories)
        folder = policy.encryption.certificates
        certificates = (
            CertificateStore.load(path.parent / folder) if folder else CertificateStore({}, ())
        )
        domain = policy.internal_domains[0] if policy.internal_domains else "localhost"
        version = "sha256:" + hashlib.sha256(data).hexdigest()[:12]
        return cls(
            policy=policy,
            version=version,
            certificates=certificates,
            renderer=NoticeRenderer(policy_template(policy)),
            notice_from=notice_from or f"postmaster@{domain}",
            # Its own version per load: a reload sends it to the scanning processes again even
            # when only the certificates changed.
            rules=DecisionRules(
                f"{version}/{secrets.token_hex(4)}", policy, certificates.addresses()
            ),
        )
