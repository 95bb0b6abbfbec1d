from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dlp.policy.lookalike import (
    LookalikeDetector,
    damerau_levenshtein,
    decode_domain,
    registrable,
    skeleton,
)

DETECTOR = LookalikeDetector(["cusd.com", "clovisusd.k12.ca.us", "gradebook-vendor.example"])


@pytest.mark.parametrize(
    ("domain", "resembles", "reason"),
    [
        ("cusd.corn", "cusd.com", "look-alike characters"),  # rn -> m
        ("cusd.c0m", "cusd.com", "look-alike characters"),  # 0 -> o
        ("cu\u0455d.com", "cusd.com", "look-alike characters"),  # Cyrillic dze
        ("xn--cud-ghd.com", "cusd.com", "look-alike characters"),  # the same, in punycode
        ("\u0441usd.com", "cusd.com", "look-alike characters"),  # Cyrillic es
        ("cusd.co", "cusd.com", "1 character(s) apart"),
        ("csud.com", "cusd.com", "1 character(s) apart"),  # transposition
        ("cusdd.com", "cusd.com", "1 character(s) apart"),
        ("mail.cusd.co", "cusd.com", "1 character(s) apart"),  # subdomain of a look-alike
        ("cusd.org", "cusd.com", "same name under another ending"),
        ("clovisusd.org", "clovisusd.k12.ca.us", "same name under another ending"),
        ("cl0visusd.k12.ca.us", "clovisusd.k12.ca.us", "look-alike characters"),
        ("clovisuds.k12.ca.us", "clovisusd.k12.ca.us", "1 character(s) apart"),
        ("gradebook-vendor.exampel", "gradebook-vendor.example", "1 character(s) apart"),
        ("gradebook-vendor.examp1e", "gradebook-vendor.example", "look-alike characters"),
        (
            "gradeb00k-vendor.exampl",
            "gradebook-vendor.example",
            "look-alike characters and a small",
        ),
    ],
)
def test_lookalikes_are_flagged(domain: str, resembles: str, reason: str) -> None:
    match = DETECTOR.check(domain)
    assert match is not None, domain
    assert (match.resembles, match.reason.startswith(reason)) == (resembles, True)
    assert match.describe().startswith(f"{domain} looks like {resembles}")


@pytest.mark.parametrize(
    "domain",
    [
        "cusd.com",  # the district itself
        "mail.cusd.com",
        "CUSD.COM.",
        "clovisusd.k12.ca.us",
        "fresnounified.org",
        "gmail.com",
        "usd.org",
        "cisd.net.au",
        "gradebook-vendor.example",
        "abc.com",
    ],
)
def test_ordinary_domains_are_not(domain: str) -> None:
    assert DETECTOR.check(domain) is None


def test_short_names_are_not_compared_by_edit_distance() -> None:
    detector = LookalikeDetector(["abc.org"], other_suffix=False)
    assert detector.check("abd.org") is None
    assert detector.check("a8c.org") is None
    assert detector.check("\u0430bc.org") is not None  # still by look-alike characters


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("cusd.com", "cusd.com"),
        ("a.b.cusd.com", "cusd.com"),
        ("clovisusd.k12.ca.us", "clovisusd.k12.ca.us"),
        ("www.clovisusd.k12.ca.us", "clovisusd.k12.ca.us"),
        ("fresno.ca.us", "fresno.ca.us"),
        ("schools.bbc.co.uk", "bbc.co.uk"),
        ("localhost", "localhost"),
    ],
)
def test_registrable(domain: str, expected: str) -> None:
    assert registrable(domain) == expected


def test_decode_and_skeleton() -> None:
    assert decode_domain("XN--CUD-GHD.com.") == "cu\u0455d.com"
    assert decode_domain("xn--zz.com") == "xn--zz.com"  # invalid punycode stays as written
    assert skeleton("cl0vis") == skeleton("dovis")
    assert skeleton("\u0441\u0443sd") == "cysd"


@example("bc", "caa")  # the last row's minimum was within the limit, its end was not
@given(st.text("abcdefgh", max_size=8), st.text("abcdefgh", max_size=8))
def test_distance_is_symmetric_and_bounded(a: str, b: str) -> None:
    distance = damerau_levenshtein(a, b, 99)
    assert distance == damerau_levenshtein(b, a, 99)
    assert distance <= max(len(a), len(b))
    assert (distance == 0) == (a == b)
    assert damerau_levenshtein(a, b, 1) == min(distance, 2)


@given(st.text("abcdefgh", min_size=2, max_size=8), st.integers(0, 6))
def test_one_transposition_is_one_edit(text: str, where: int) -> None:
    i = where % (len(text) - 1)
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    assert damerau_levenshtein(text, swapped, 2) == (0 if swapped == text else 1)


def test_an_address_protects_its_domain() -> None:
    # A partner named by one address only: its domain is imitated just the same.
    detector = LookalikeDetector(["cusd.com", "sped-records@fcoe.example"])
    assert detector.protected == ("cusd.com", "fcoe.example")
    match = detector.check("fc0e.example")
    assert match is not None
    assert (match.resembles, match.reason) == ("fcoe.example", "look-alike characters")
    assert detector.check("fcoe.example") is None  # the partner's own domain is not a look-alike
    assert detector.check("fcoee.example") is not None
