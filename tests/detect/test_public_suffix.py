"""``has_public_suffix`` against tldextract itself, on the domains the e-mail pattern can match:
one to eight dots, labels of letters, digits and hyphens, drawn from the public suffix list's
own labels (wildcards, their exceptions, multi-label rules, punycode) and from made-up ones."""

from __future__ import annotations

import pkgutil
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from tldextract import TLDExtract

from dlp.detect.public_suffix import has_public_suffix
from dlp.detect.rules import email_domain_is_valid


@cache
def _extractor() -> TLDExtract:
    return TLDExtract(suffix_list_urls=(), cache_dir=None)


def _listed_labels() -> list[str]:
    text = (pkgutil.get_data("tldextract", ".tld_set_snapshot") or b"").decode("utf-8")
    public = text.partition("// ===BEGIN PRIVATE DOMAINS===")[0]
    labels = set()
    for line in public.splitlines():
        rule = line.strip()
        if rule and not rule.startswith("//"):
            for label in rule.lstrip("!*.").split("."):
                if label.isascii() and label:
                    labels.add(label)
    return sorted(labels)


_LISTED = _listed_labels()
_MADE_UP = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_LABEL = st.one_of(
    st.sampled_from(_LISTED),
    _MADE_UP,
    st.sampled_from(["xn--p1ai", "xn--90ais", "xn--zz", "xn--", "www", "city", "ck", "kawasaki"]),
).map(lambda label: label.upper() if len(label) % 3 == 0 else label)


def _tldextract_says(domain: str) -> bool:
    return bool(_extractor()(domain).suffix)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LABEL, min_size=2, max_size=9))
def test_the_same_answer_as_tldextract(labels: list[str]) -> None:
    domain = ".".join(labels)
    assert has_public_suffix(domain) == _tldextract_says(domain), domain


def test_the_rules_of_each_kind() -> None:
    cases = {
        "school.k12.ca.us": True,
        "students.cusd.com": True,
        "example.invalid": False,
        "mail.local": False,
        "host.ck": True,  # wildcard *.ck
        "www.ck": True,  # exception !www.ck: the suffix is "ck"
        "a.b.kawasaki.jp": True,
        "xn--p1ai.xn--p1ai": True,  # .рф
        "corp.xn--zz": False,
        "10.0.0.1": False,
    }
    for domain, expected in cases.items():
        assert _tldextract_says(domain) is expected, domain
        assert has_public_suffix(domain) is expected, domain
        assert email_domain_is_valid(f"someone@{domain}") is expected


def test_no_tldextract_import_for_a_scan() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dlp.detect.rules import email_domain_is_valid\n"
        "assert email_domain_is_valid('a@b.example.com')\n"
        "print('tldextract' in sys.modules, 'requests' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
