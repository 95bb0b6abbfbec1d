"""Values disguised with invisible, full-width or look-alike characters, and split by HTML.

Every recognizer reads one folded text (``dlp.detect.normalize.fold``); these tests hold the
scanner, the pipeline and the sample policy to that, with findings at exact original spans.
"""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.normalize import fold, normalize
from dlp.engine import DetectionConfig, build_scanner
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Verdict, decide, load_policy

from ..conftest import REPO, TEST_SECRET
from .test_properties import VALID_SSN

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# (what the issue names, text with the disguised SSN, the span of the value in that text)
DISGUISED_SSNS = [
    ("zero-width space", "SSN 536-2\u200b2-1234 on file", (4, 16)),
    ("soft hyphen", "SSN 536\u00ad-22-1234 on file", (4, 16)),
    ("non-breaking hyphen", "SSN 536\u201122\u20111234 on file", (4, 15)),
    ("en dash", "SSN 536\u201322\u20131234 on file", (4, 15)),
    ("minus sign", "SSN 536\u221222\u22121234 on file", (4, 15)),
    ("full-width hyphen", "SSN 536\uff0d22\uff0d1234 on file", (4, 15)),
    ("full-width digits", "SSN " + "536-22-1234".translate(FULL_WIDTH) + " on file", (4, 15)),
    ("Arabic-Indic digits", "SSN " + "536-22-1234".translate(ARABIC_INDIC) + " x", (4, 15)),
    ("NUL", "SSN 536-22\x00-1234 on file", (4, 16)),
    ("other control character", "SSN 536\x01-22-1234 on file", (4, 16)),
    ("word joiner and BOM", "SSN 5\u206036-22-12\ufeff34 on file", (4, 17)),
    ("bidi marks", "SSN \u200e536-22-1234\u200f on file", (5, 16)),
    ("variation selector", "SSN 536-22-12\ufe0f34 on file", (4, 16)),
    ("no-break space as separator", "SSN 536\u00a022\u00a01234 on file", (4, 15)),
]


@pytest.mark.parametrize(
    ("text", "span"), [c[1:] for c in DISGUISED_SSNS], ids=[c[0] for c in DISGUISED_SSNS]
)
def test_a_disguised_ssn_is_found_at_its_original_span(scanner, text, span) -> None:
    found = [f for f in scanner.scan_text(text) if f.entity_type == "US_SSN"]
    assert [(f.start, f.end) for f in found] == [span]
    # The preview and the digest are of the value as folded: the same SSN, however disguised.
    plain = [f for f in scanner.scan_text(fold(text).text) if f.entity_type == "US_SSN"]
    assert fold(text).text.isascii()
    assert found[0].masked == plain[0].masked
    assert found[0].masked.endswith("1234")
    assert found[0].digest == plain[0].digest


def test_a_disguised_student_id_is_found(scanner) -> None:
    text = "Student ID: 4\u200c48\u00ad1902"
    found = [f for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"]
    assert [(f.start, f.end) for f in found] == [(12, len(text))]


def test_keywords_match_without_accents_and_case() -> None:
    scanner = build_scanner(
        DetectionConfig(
            secret=TEST_SECRET,
            extra_keywords={"SPECIAL_EDUCATION": [("evaluación psicoeducativa", 1.0)]},
        )
    )
    for text in ("la EVALUACION PSICOEDUCATIVA de", "la evaluacio\u0301n psicoeducativa de"):
        found = [f for f in scanner.scan_text(text) if f.entity_type == "SPECIAL_EDUCATION"]
        assert [(f.start, f.end) for f in found] == [(3, len(text) - 3)], text


def _html_mail(html: str) -> bytes:
    message = EmailMessage()
    message["From"] = "mlopez@cusd.com"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "forms"
    message.set_content("See the HTML part.")
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


def _plain_mail(text: str) -> bytes:
    message = EmailMessage()
    message["From"] = "mlopez@cusd.com"
    message["To"] = "someone@gmail.com"
    message["Subject"] = "forms"
    message.set_content(text, charset="utf-8")
    return message.as_bytes()


SPLIT_IN_HTML = [
    ("comment inside", "<p>Her SSN is 536-<!-- note -->22-1234, please file it.</p>"),
    ("hidden span inside", '<p>Her SSN is 536<span style="display: none">9</span>-22-1234.</p>'),
    ("zero-size span inside", '<p>SSN 536-22<span style="font-size:0px">77</span>-1234.</p>'),
    ("hidden attribute inside", "<p>SSN 536-2<b hidden>0</b>2-1234.</p>"),
    ("value half hidden", '<p>SSN 536-22-<span style="visibility:hidden">1234</span></p>'),
    ("value wholly hidden", '<div style="display:none">SSN 536-22-1234</div><p>Hi</p>'),
    ("value in a comment", "<p>Hello</p><!-- SSN 536-22-1234 -->"),
]


@pytest.fixture(scope="module")
def sample_policy():
    return load_policy(REPO / "samples" / "policy.toml")


def _verdict(raw: bytes, scanner, policy) -> Verdict:
    result = scan_message(raw, scanner, Limits())
    decision = decide(
        policy,
        "mlopez@cusd.com",
        ["someone@gmail.com"],
        result,
        subject_tag_present=False,
        today=date(2025, 3, 4),
    )
    return decision.per_recipient["someone@gmail.com"].verdict


@pytest.mark.parametrize("html", [c[1] for c in SPLIT_IN_HTML], ids=[c[0] for c in SPLIT_IN_HTML])
def test_an_ssn_split_or_hidden_in_html_is_not_delivered_outside(
    scanner, sample_policy, html
) -> None:
    assert _verdict(_html_mail(html), scanner, sample_policy) is Verdict.QUARANTINE


@pytest.mark.parametrize("text", [c[1] for c in DISGUISED_SSNS], ids=[c[0] for c in DISGUISED_SSNS])
def test_a_disguised_ssn_in_a_mail_body_is_not_delivered_outside(
    scanner, sample_policy, text
) -> None:
    assert _verdict(_plain_mail(f"Hello,\n{text}\nThanks"), scanner, sample_policy) is (
        Verdict.QUARANTINE
    )


def test_ordinary_html_reads_as_before(scanner, sample_policy) -> None:
    html = '<p>Lunch <b>menu</b> for <span style="font-size:12px">Friday</span>.</p>'
    assert _verdict(_html_mail(html), scanner, sample_policy) is Verdict.DELIVER


DISGUISES = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\u200e", "\u034f"]
)
DASHES = st.sampled_from(
    ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
)


def _disguise(value: str, data: st.DataObject) -> str:
    """``value`` with its digits maybe full-width, its dashes swapped and invisible characters
    inserted between any two of its characters."""
    out = []
    for index, char in enumerate(value):
        if char.isdigit() and data.draw(st.booleans()):
            char = char.translate(FULL_WIDTH)
        elif char == "-":
            char = data.draw(DASHES)
        out.append(char)
        if index < len(value) - 1:
            out.append("".join(data.draw(st.lists(DISGUISES, max_size=2))))
    return "".join(out)


@settings(max_examples=300)
@given(
    ssn=VALID_SSN,
    label=st.sampled_from(["SSN", "Social Security number:", "soc sec #"]),
    data=st.data(),
)
def test_any_mix_of_disguises_leaves_an_ssn_found_at_its_span(scanner, ssn, label, data) -> None:
    disguised = _disguise(ssn, data)
    text = f"{label} {disguised} on file."
    start = len(label) + 1
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "US_SSN"}
    assert (start, start + len(disguised)) in spans


@settings(max_examples=300)
@given(student_id=st.integers(1_000_000, 999_999_999).map(str), data=st.data())
def test_any_mix_of_disguises_leaves_a_student_id_found_at_its_span(
    scanner, student_id, data
) -> None:
    disguised = _disguise(student_id, data)
    text = f"Student ID: {disguised}\n"
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"}
    assert (12, 12 + len(disguised)) in spans


@settings(max_examples=500)
@given(text=st.text(max_size=80))
def test_folded_offsets_go_there_and_back(text) -> None:
    for view in (fold(text), normalize(text)):
        positions = [view.to_original(p) for p in range(len(view.text))]
        assert positions == sorted(positions)
        assert all(0 <= p < len(text) for p in positions)
        for original in range(len(text) + 1):
            there = view.to_normalized(original)
            assert 0 <= there <= len(view.text)
            # the first normalized character that comes from `original` or later
            assert all(p < original for p in positions[:there])
            assert there == len(view.text) or positions[there] >= original
