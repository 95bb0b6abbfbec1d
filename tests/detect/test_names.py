"""PERSON from the name lists: spans, what does not count, what the policy makes of it."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect import names
from dlp.detect.context import context_of
from dlp.detect.names import NameLists
from dlp.detect.shipped import default_recognizers_dir
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Verdict, decide, load_policy

from ..conftest import REPO

FOUND = [
    ("Daniel Kim's Section 504 plan: diagnosis ADHD", "Daniel Kim"),
    ("Dear Maria Garcia-Lopez,", "Maria Garcia-Lopez"),
    ("The student Jose A. Martinez was late.", "Jose A. Martinez"),
    ("Student Name: DANIEL KIM", "DANIEL KIM"),
    ("Estimada Sra. Ana López:", "Ana López"),
    ("Dear Sean O'Neil,", "Sean O'Neil"),
    ("Dear Mrs. Mary McDonald,", "Mary McDonald"),
    ("Her son Michael Johnson has a fever", "Michael Johnson"),
]

NOT_FOUND = [
    "Will Smith and May Day",  # given names that are everyday words are not in the list
    "Best regards,\nAnn Lee\nTeacher",  # a pair alone, no context: under the threshold
    "Grant Writing Workshop",
    "New York City",
    "dear daniel kim",  # not capitalized
    "Write to daniel.kim@example.org about it",
    "Dear ANA Lopez",  # capitals that do not agree: a heading, not a name
    "The student Xqzt Vrrbl",  # neither name is in the lists
]


@pytest.mark.parametrize(("text", "name"), FOUND, ids=[row[0] for row in FOUND])
def test_a_name_is_found_at_its_span(scanner, text, name) -> None:
    start = text.index(name)
    spans = [(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "PERSON"]
    assert spans == [(start, start + len(name))]
    [finding] = [f for f in scanner.scan_text(text) if f.entity_type == "PERSON"]
    assert name not in finding.masked and finding.masked[0] == name[0]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_not_a_name(scanner, text) -> None:
    assert not [f for f in scanner.scan_text(text) if f.entity_type == "PERSON"]


@pytest.fixture(scope="module")
def lists() -> NameLists:
    return NameLists.load(default_recognizers_dir() / "names")


@settings(max_examples=200)
@given(data=st.data(), lead=st.sampled_from(["Dear", "The student", "Re: student", "Estimado"]))
def test_any_listed_pair_with_context_is_found(scanner, lists, data, lead) -> None:
    first = data.draw(st.sampled_from(sorted(lists.given)[:2000])).title()
    last = data.draw(st.sampled_from(sorted(lists.surnames)[:5000])).title()
    text = f"{lead} {first} {last}, welcome back"
    start = len(lead) + 1
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "PERSON"}
    assert (start, start + len(first) + 1 + len(last)) in spans


class _Everything:
    """A set that holds every character: a quick test that never rules anything out."""

    def __contains__(self, item: object) -> bool:
        return True


NAME_PIECES = st.sampled_from(
    ["Ana", "Daniel", "Maria", "Mary", "Sean", "ANA", "Kim", "Lopez", "KIM", "Ruiz", "Garcia-Lopez",
     "O'Neil", "McDonald", "Mc Neil", "De La Cruz", "Van Der Berg", "St. John", "Le", "Di",
     "Dear", "Mr.", "Student:", "J.", "A.", "student", "son", "IEP", "failed"]
)  # fmt: skip
NAME_SEPARATORS = st.sampled_from(
    [" ", "  ", "\t", "\n", ", ", "'s ", "\u2019s ", " <ana.ruiz@x.org> ", " <", ": ", ".", "-", ""]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(NAME_PIECES, NAME_SEPARATORS), max_size=10))
def test_the_quick_tests_before_the_expressions_rule_out_nothing(scanner, parts) -> None:
    """A surname in parts is looked for only after a particle's first letter, a possessive
    or an address only after an apostrophe or what can come before "<": with those tests
    letting everything through, ``find`` finds the same."""
    text = "".join(piece + separator for piece, separator in parts)
    context = context_of(scanner.indexer, text)
    finder = scanner.names
    found = finder.find(text, context.index.given_names, context)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(names, "_PARTICLE_INITIALS", _Everything())
        patch.setattr(names, "_AFTER_MARKS", _Everything())
        assert finder.find(text, context.index.given_names, context) == found


def test_the_quick_tests_pass_what_the_expressions_need(scanner) -> None:
    text = "Ana Mc Neil's book; Mary De La Cruz <mdlc@x.org>; Sean O'Neil\u2019s book; Ana Kim"
    context = context_of(scanner.indexer, text)
    found = scanner.names.find(text, context.index.given_names, context)
    assert [(text[m.start : m.end], m.score) for m in found] == [
        ("Ana Mc Neil", names.POSSESSIVE_SCORE),
        ("Mary De La Cruz", names.POSSESSIVE_SCORE),
        ("Sean O'Neil", names.POSSESSIVE_SCORE),
        ("Ana Kim", names.BASE_SCORE),
    ]


def _mail(body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "mlopez@cusd.com"
    message["To"] = "parent@gmail.com"
    message["Subject"] = "Update"
    message.set_content(body)
    return message.as_bytes()


DECISIONS = [
    ("Daniel Kim's Section 504 plan: diagnosis ADHD. Accommodations attached.", Verdict.QUARANTINE),
    ("Dear Maria Lopez, the book fair is on Friday in the library. Thanks!", Verdict.DELIVER),
    # a name beside a health term alone: staff's own mail as often as a student's
    (
        "Dear Dr. Mary Smith, I will miss school for a medical diagnosis appointment.",
        Verdict.DELIVER,
    ),
    (
        "Re: student Jose Martinez, his report card shows two failing grades this term.",
        Verdict.QUARANTINE,
    ),
]


@pytest.mark.parametrize(("body", "verdict"), DECISIONS, ids=[row[0][:30] for row in DECISIONS])
def test_the_sample_policy_on_names(scanner, body, verdict) -> None:
    policy = load_policy(REPO / "samples" / "policy.toml")
    result = scan_message(_mail(body), scanner, Limits())
    decision = decide(
        policy,
        "mlopez@cusd.com",
        ["parent@gmail.com"],
        result,
        subject_tag_present=False,
        today=date(2025, 3, 4),
    )
    assert decision.per_recipient["parent@gmail.com"].verdict is verdict
