"""Internationalized domains: one form (IDNA 2008 A-labels, lower case) for internal,
authorized and look-alike matching, whichever form the policy or the recipient uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.domains import ascii_domain, unicode_domain
from dlp.policy import Policy, parse_policy
from dlp.policy.lookalike import LookalikeDetector
from dlp.policy.recipients import classify

from .conftest import SAMPLE_POLICY, TODAY


@pytest.fixture(scope="module")
def idn_policy() -> Policy:
    text = SAMPLE_POLICY.read_text(encoding="utf-8")
    text = text.replace(
        'domains = ["cusd.com", "clovisusd.k12.ca.us"]',
        'domains = ["cusd.com", "clovisusd.k12.ca.us", "Bücher.Example", "xn--fa-hia.de"]',
    )
    text = text.replace(
        'addresses = ["sped-records@fcoe.example"]',
        'addresses = ["sped-records@fcoe.example", "Akten@Schülerdaten.example"]',
    )
    return parse_policy(text, "idn-policy.toml")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("CUSD.com.", "cusd.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"),
        ("faß.de", "xn--fa-hia.de"),  # IDNA 2008: not fass.de (IDNA 2003's mapping)
        ("c\u0441sd.com", "xn--csd-4ed.com"),  # a Cyrillic es stays itself, only encoded
        ("xn--zz.com", "xn--zz.com"),  # invalid punycode: as written, equal to nothing else
    ],
)
def test_ascii_domain(domain: str, expected: str) -> None:
    assert ascii_domain(domain) == expected


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("a@bücher.example", "internal"),
        ("a@xn--bcher-kva.example", "internal"),
        ("a@Schule.BÜCHER.example", "internal"),  # a subdomain, in either case
        ("a@faß.de", "internal"),
        ("a@xn--fa-hia.de", "internal"),
        ("a@fass.de", "external"),  # another domain under IDNA 2008
        ("akten@schülerdaten.example", "authorized"),
        ("Akten@xn--schlerdaten-vhb.example", "authorized"),
        ("other@schülerdaten.example", "external"),  # the agreement names one address
    ],
)
def test_recipients_compare_in_one_form(idn_policy: Policy, address: str, kind: str) -> None:
    recipient = classify(idn_policy, address, TODAY)
    assert recipient.kind == kind
    assert recipient.domain.isascii()


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("\u0441usd.com", "look-alike characters (Cyrillic and Latin mixed)"),  # Cyrillic es
        ("cu\u0455d.com", "look-alike characters (Cyrillic and Latin mixed)"),  # Cyrillic dze
        ("xn--cud-ghd.com", "look-alike characters (Cyrillic and Latin mixed)"),  # same, A-label
        ("\u0441\u0443\u0455\u0501.com", "look-alike characters"),  # all Cyrillic: not mixed
        ("c\u03c5sd.com", "look-alike characters (Greek and Latin mixed)"),  # Greek upsilon
        ("cus\u0501x.com", "look-alike characters (Cyrillic and Latin mixed) and a small"),
        ("b\u00fccher.example", None),  # the district's own IDN domain
        ("b\u0446cher.example", "1 character(s) apart (Cyrillic and Latin mixed)"),
    ],
)
def test_homographs(domain: str, reason: str | None) -> None:
    detector = LookalikeDetector(["cusd.com", "bücher.example"])
    match = detector.check(domain)
    if reason is None:
        assert match is None
    else:
        assert match is not None and match.reason.startswith(reason), (domain, match)


def test_a_recipient_homograph_is_flagged_by_the_policy(idn_policy: Policy) -> None:
    recipient = classify(idn_policy, "parent@\u0441usd.com", TODAY)
    assert recipient.kind == "external" and recipient.lookalike is not None
    assert recipient.lookalike.resembles == "cusd.com"


LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüßéñçøåABCDÄÖÜ0123456789")
LABEL = st.text(LETTERS, min_size=1, max_size=12)


@given(st.lists(LABEL, min_size=2, max_size=4))
def test_one_form_whichever_spelling(labels: list[str]) -> None:
    domain = ".".join(labels)
    normal = ascii_domain(domain)
    assert ascii_domain(normal) == normal  # idempotent
    assert normal == normal.lower()
    # The U-label form, the upper-cased A-label form, and a trailing dot: all the same name.
    assert ascii_domain(unicode_domain(domain)) == normal
    assert ascii_domain(normal.upper() + ".") == normal
    if normal.isascii() and "xn--" not in domain.lower():
        assert all(label.isascii() for label in normal.split("."))
