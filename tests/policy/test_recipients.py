"""Who a recipient is: fixed look-alikes that a suffix test without its dot would let in.

``endswith(parent)`` instead of ``endswith("." + parent)`` makes ``notcusd.com`` internal and
``evilgradebook-vendor.example`` a partner; each row below is one of those boundaries.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dlp.export.clauses import exposure
from dlp.policy.recipients import classify

from .conftest import TODAY

INTERNAL = [
    ("teacher@cusd.com", True),
    ("nurse@hs.cusd.com", True),
    ("x@a.b.cusd.com", True),
    ("Parent <parent@CUSD.COM.>", True),
    ("parent@notcusd.com", False),
    ("parent@mycusd.com", False),
    ("parent@cusd.com.evil.example", False),
    ("parent@cusd.co", False),
    ("parent@usd.com", False),
    ("parent@xclovisusd.k12.ca.us", False),
    ("parent@k12.ca.us", False),
]


@pytest.mark.parametrize(("address", "internal"), INTERNAL)
def test_internal_domains_and_their_look_alikes(sample_policy, address, internal) -> None:
    recipient = classify(sample_policy, address, TODAY)
    assert recipient.internal is internal
    assert recipient.kind == ("internal" if internal else "external")


def test_subdomains_are_not_internal_when_the_policy_says_so(sample_policy) -> None:
    policy = replace(sample_policy, include_subdomains=False)
    assert classify(policy, "t@cusd.com", TODAY).internal
    assert not classify(policy, "nurse@hs.cusd.com", TODAY).internal
    assert not classify(policy, "parent@notcusd.com", TODAY).internal


AUTHORIZED = [
    ("sync@gradebook-vendor.example", "Gradebook vendor"),
    ("sync@eu.gradebook-vendor.example", "Gradebook vendor"),
    ("sync@evilgradebook-vendor.example", None),
    ("sync@gradebook-vendor.example.evil.example", None),
    ("sync@vendor.example", None),
    ("sped-records@fcoe.example", "County Office of Education, special-education unit"),
    # Named by address only: neither another mailbox nor a look-alike of the address.
    ("other@fcoe.example", None),
    ("xsped-records@fcoe.example", None),
    ("sped-records@fcoe.example.evil.example", None),
]


@pytest.mark.parametrize(("address", "agreement"), AUTHORIZED)
def test_authorized_domains_and_their_look_alikes(sample_policy, address, agreement) -> None:
    recipient = classify(sample_policy, address, TODAY)
    assert not recipient.internal
    found = recipient.authorization.name if recipient.authorization else None
    assert found == agreement
    assert recipient.kind == ("authorized" if agreement else "external")


@pytest.mark.parametrize(("address", "internal"), INTERNAL)
def test_drive_exposure_uses_the_same_boundary(address, internal) -> None:
    domains = frozenset({"cusd.com", "clovisusd.k12.ca.us"})
    _, _, domain = address.strip("<>. ").rpartition("@")
    shared = (f"someone@{domain.lower().rstrip('.>')}",)
    expected = "internal" if internal else "external"
    assert exposure("owner@cusd.com", shared, True, domains) == expected
